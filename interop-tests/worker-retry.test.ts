// task.retry() across implementations: a bound celeriac task retries twice and Python's .get() sees the
// value; a retry message celeriac published is executed by a Python worker, and one a Python worker
// published is executed by celeriac.
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil, type StoredMeta } from './helpers/redis-probe';

const CANVAS_APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'canvas-app.js');
/** Long enough for the first worker to stop and the second to start before the retry is due. */
const HANDOFF_COUNTDOWN_SEC = 4;

type Case<T> = { ok?: T; error?: string };
interface Ran { value: string; retries: number; by: 'py' | 'ts' }

let redis: RedisServer;
let env: Record<string, string>;
let probe: RedisProbe;
const running = new Set<CeleriacWorker | PythonWorker>();

function ok<T>(c: Case<T>): T {
  if (c.error !== undefined) throw new Error(`Python side raised ${c.error}`);
  return c.ok as T;
}

const startTs = async (queue: string): Promise<CeleriacWorker> => {
  const w = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app: CANVAS_APP_JS, queues: [queue], concurrency: 2 });
  running.add(w);
  return w;
};
const startPy = async (queue: string): Promise<PythonWorker> => {
  const w = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: [queue], appModule: 'canvas_worker_app', concurrency: 2 });
  running.add(w);
  return w;
};
const stop = async (w: CeleriacWorker | PythonWorker): Promise<void> => {
  await w.stop();
  running.delete(w);
};
const waitForRetryState = (id: string): Promise<StoredMeta> =>
  waitUntil(async () => { const m = await probe.meta(id); return m?.status === 'RETRY' ? m : undefined; }, `RETRY stored for ${id}`);

beforeAll(async () => {
  redis = await startRedisServer();
  env = celeryEnv(redis.url(1), redis.url(2));
  probe = new RedisProbe(redis.url(1), redis.url(2));
});

afterAll(async () => {
  await Promise.all([...running].map((w) => w.stop()));
  await probe?.close();
  await killAllChildren();
  await redis?.stop();
});

it('a bound celeriac task that retries twice returns its value to Python .get(), with retries 2', async () => {
  const ts = await startTs('celery');
  const r = ok(await runPythonJson<Case<{ value: Ran; state: string; id: string }>>('canvas_worker_calls.py', { args: ['retry'], env, timeoutMs: 60_000 }));
  expect(r.value).toEqual({ value: 'v', retries: 2, by: 'ts' });
  expect(r.state).toBe('SUCCESS');
  const retried = ts.records().filter((rec) => rec.msg === 'task retry scheduled' && rec.taskId === r.id);
  expect(retried.map((rec) => rec.retries)).toEqual([0, 1]);
  await stop(ts);
});

it('a retry message published by celeriac is executed by a Python worker', async () => {
  const ts = await startTs('handoff_a');
  const id = await runPythonJson<string>('canvas_worker_calls.py', { args: ['send', 'handoff_a', String(HANDOFF_COUNTDOWN_SEC)], env });
  const retry = await waitForRetryState(id);
  // retry() without exc: Python stores Retry.exc (None) as the RETRY result, and so does celeriac
  expect(retry.result).toBeNull();
  expect(retry.children).toEqual([[[id, null], null]]);
  await stop(ts);
  const py = await startPy('handoff_a');
  const got = ok(await runPythonJson<Case<Ran>>('canvas_worker_calls.py', { args: ['get', id], env, timeoutMs: 60_000 }));
  expect(got).toEqual({ value: 'h', retries: 1, by: 'py' });
  await stop(py);
});

it('a retry message published by a Python worker is executed by celeriac', async () => {
  const py = await startPy('handoff_b');
  const id = await runPythonJson<string>('canvas_worker_calls.py', { args: ['send', 'handoff_b', String(HANDOFF_COUNTDOWN_SEC)], env });
  const retry = await waitForRetryState(id);
  expect(retry.result).toBeNull();
  expect(retry.children).toEqual([[[id, null], null]]);
  await stop(py);
  const ts = await startTs('handoff_b');
  const got = ok(await runPythonJson<Case<Ran>>('canvas_worker_calls.py', { args: ['get', id], env, timeoutMs: 60_000 }));
  expect(got).toEqual({ value: 'h', retries: 1, by: 'ts' });
  await ts.waitForRecord((rec) => rec.msg === 'task succeeded' && rec.taskId === id && rec.retries === 1, 5000, 'retry run on celeriac');
  await stop(ts);
});
