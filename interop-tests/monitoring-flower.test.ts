// Issue 3 proof, Flower leg: real Flower 2.0.1 (from the venv) against a private Redis and celeriac workers.
// Tasks are sent from Python; everything is checked through Flower's HTTP API and pages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { ManagedProcess } from './helpers/managed-process';
import { PYTHON_DIR, REPO_ROOT, celeryEnv, runPythonJson, venvBin } from './helpers/python';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const HEARTBEAT_SEC = 1;
const MAIN = 'ts1@interop';

/** The celeriac side of monitoring_app.py; mon.wait honours its AbortSignal and records that it fired. */
const APP_SOURCE = `
const Redis = require(${JSON.stringify(join(REPO_ROOT, 'node_modules', 'ioredis'))});
const { Celery } = require(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'index.js'))});
const app = new Celery('monitoring');
const redis = new Redis(process.env.CELERY_RESULT_BACKEND);
app.task('tapp.add', (x, y) => x + y);
app.task('mon.fail', (msg) => { throw new RangeError(msg); });
app.task('mon.record', async (task, tag) => { await redis.rpush('mon:ran', tag); return tag; }, { bind: true });
app.task('mon.wait', async (task, ms) => {
  await redis.set('mon:started:' + task.request.id, '1');
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    task.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
  if (task.signal.aborted) {
    await redis.set('mon:aborted:' + task.request.id, String(task.signal.reason));
    throw new Error('aborted');
  }
  return ms;
}, { bind: true });
process.once('exit', () => redis.disconnect());
exports.default = app;
`;

let redis: RedisServer;
let probe: RedisProbe;
let appDir: string;
let flower: ManagedProcess;
let flowerUrl: string;
let main: CeleriacWorker;
let metricsPort: number;

function startWorker(nodeName: string, env: Record<string, string> = {}): Promise<CeleriacWorker> {
  return startCeleriacWorker({
    brokerUrl: redis.url(1), backendUrl: redis.url(2), app: join(appDir, 'monitoring-app.js'), nodeName, concurrency: 2,
    env: { CELERY_WORKER_SEND_TASK_EVENTS: 'true', CELERY_WORKER_HEARTBEAT_INTERVAL: String(HEARTBEAT_SEC), ...env },
  });
}

async function http(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${flowerUrl}${path}`, {
    method, signal: AbortSignal.timeout(15_000),
    ...(form ? { body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
  });
  return { status: res.status, text: await res.text() };
}

async function getJson<T>(path: string): Promise<T> {
  const res = await http('GET', path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}

type FlowerWorkers = Record<string, { stats?: { pool?: Record<string, unknown> }; active_queues?: Array<{ name: string }>; registered?: string[] }>;
type FlowerTask = { name: string; args: string; kwargs: string; state: string; runtime: number | null; result: string | null;
  exception: string | null; worker?: string };

/** Flower's refreshed view of one worker (it re-inspects on `refresh=1`). */
const refreshed = async (name: string): Promise<FlowerWorkers[string] | undefined> =>
  (await getJson<FlowerWorkers>(`/api/workers?refresh=1&workername=${encodeURIComponent(name)}`))[name];
const alive = async (): Promise<Record<string, boolean>> => getJson<Record<string, boolean>>('/api/workers?status=true');
const send = (specs: unknown[]): Promise<string[]> =>
  runPythonJson<string[]>('monitoring_send.py', { args: [JSON.stringify(specs)], env: celeryEnv(redis.url(1), redis.url(2)) });
const flowerTask = (id: string, state: string): Promise<FlowerTask> => waitUntil(async () => {
  const res = await http('GET', `/api/task/info/${id}`);
  const task = res.status === 200 ? JSON.parse(res.text) as FlowerTask : undefined;
  return task?.state === state ? task : undefined;
}, `Flower to show ${id} as ${state}`, { timeoutMs: 20_000 });

beforeAll(async () => {
  redis = await startRedisServer();
  probe = new RedisProbe(redis.url(1), redis.url(2));
  appDir = mkdtempSync(join(tmpdir(), 'celeriac-monitoring-'));
  writeFileSync(join(appDir, 'monitoring-app.js'), APP_SOURCE);
  metricsPort = await freePort();
  main = await startWorker(MAIN, { CELERY_WORKER_METRICS_PORT: String(metricsPort) });
  const port = await freePort();
  flowerUrl = `http://127.0.0.1:${port}`;
  flower = new ManagedProcess({
    command: venvBin('celery'), args: ['-A', 'monitoring_app', 'flower', `--port=${port}`, '--address=127.0.0.1', '--inspect_timeout=1000'],
    cwd: PYTHON_DIR, label: 'flower',
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONUNBUFFERED: '1', FLOWER_UNAUTHENTICATED_API: 'true', ...celeryEnv(redis.url(1), redis.url(2)) },
  });
  await flower.waitForLine((l) => l.includes('Visit me at'), 30_000, '"Visit me at" line');
  await waitUntil(async () => (await fetch(`${flowerUrl}/healthcheck`).then((r) => r.status, () => 0)) === 200, 'Flower /healthcheck');
});

afterAll(async () => {
  await main?.stop();
  await flower?.stop('SIGTERM', 5000);
  await probe?.close();
  await killAllChildren();
  await redis?.stop();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

it('lists the worker online with stats, and renders /worker/<name>', async () => {
  const info = await waitUntil(async () => {
    const w = await refreshed(MAIN);
    return w?.stats?.pool && w.registered && w.active_queues ? w : undefined;
  }, 'Flower to hold stats, registered and active_queues of the worker');
  expect(info.stats?.pool?.['max-concurrency']).toBe(2);
  expect(info.registered).toEqual(expect.arrayContaining(['mon.wait', 'tapp.add']));
  expect(info.active_queues?.map((q) => q.name)).toEqual(['celery']);
  await waitUntil(async () => (await alive())[MAIN] === true, 'the worker to be alive in Flower');
  const page = await http('GET', `/worker/${encodeURIComponent(MAIN)}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain(MAIN);
  expect(page.text).toMatch(/<td>Max concurrency<\/td>\s*<td>2<\/td>/);
});

it('shows task name, args, state, runtime, and the exception of a failed task; the metrics counters move', async () => {
  const [okId, failId] = await send([{ name: 'tapp.add', args: [2, 3] }, { name: 'mon.fail', args: ['no template'] }]);
  const ok = await flowerTask(okId!, 'SUCCESS');
  expect(ok).toMatchObject({ name: 'tapp.add', args: '[2, 3]', kwargs: '{}', result: '5', worker: MAIN });
  expect(typeof ok.runtime).toBe('number');
  const failed = await flowerTask(failId!, 'FAILURE');
  expect(failed).toMatchObject({ name: 'mon.fail',  args: "['no template']" });
  expect(failed.exception).toContain('no template');
  const list = await getJson<Record<string, FlowerTask>>('/api/tasks');
  expect(list[okId!]).toMatchObject({ name: 'tapp.add', state: 'SUCCESS' });
  expect(list[failId!]).toMatchObject({ name: 'mon.fail', state: 'FAILURE' });
  const page = await http('GET', `/task/${failId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('no template');

  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const sample = (name: string, labels: string): number => {
    const line = metrics.split('\n').find((l) => l.startsWith(`${name}{${labels}`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  for (const outcome of ['received', 'started', 'succeeded']) expect(sample('celeriac_tasks_total', `name="tapp.add",outcome="${outcome}"`)).toBe(1);
  expect(sample('celeriac_tasks_total', 'name="mon.fail",outcome="failed"')).toBe(1);
  expect(sample('celeriac_task_runtime_seconds_count', 'worker="ts1@interop",name="tapp.add",outcome="succeeded"')).toBe(1);
  expect(sample('celeriac_events_sent_total', 'type="task-succeeded"')).toBeGreaterThanOrEqual(1);
});

it('revoke: a queued ETA task becomes REVOKED and never runs; terminate fires a running task\'s AbortSignal', async () => {
  const [etaId] = await send([{ name: 'mon.record', args: ['eta-revoked'], countdown: 2 }]);
  await waitUntil(async () => ((await refreshed(MAIN)) as { scheduled?: unknown[] } | undefined)?.scheduled?.length === 1,
    'the ETA task to be scheduled on the worker');
  const revoke = await http('POST', `/api/task/revoke/${etaId}`);
  expect(revoke.status).toBe(200);
  expect((await probe.waitForReady(etaId!)).status).toBe('REVOKED');
  await flowerTask(etaId!, 'REVOKED');
  expect(await probe.results.lrange('mon:ran', 0, -1)).not.toContain('eta-revoked');

  const [runId] = await send([{ name: 'mon.wait', args: [30_000] }]);
  await waitUntil(async () => (await probe.results.get(`mon:started:${runId}`)) === '1', 'mon.wait to start');
  expect((await http('POST', `/api/task/revoke/${runId}`, { terminate: 'true' })).status).toBe(200);
  expect(await waitUntil(async () => (await probe.results.get(`mon:aborted:${runId}`)) ?? undefined, 'the AbortSignal to fire'))
    .toBe('terminated');
  expect((await probe.waitForReady(runId!)).status).toBe('REVOKED');
});

it('rate-limit holds back a task type; time-limit ends a running task', async () => {
  const rate = await http('POST', '/api/task/rate-limit/tapp.add', { workername: MAIN, ratelimit: '1/m' });
  expect(rate.status).toBe(200);
  expect(JSON.parse(rate.text)).toEqual({ message: 'new rate limit set successfully' });
  // One token per minute: the first add runs, the second waits though a later task of another type runs.
  const [first, second, later] = await send([{ name: 'tapp.add', args: [1, 1] }, { name: 'tapp.add', args: [2, 2] },
    { name: 'mon.record', args: ['after-rate'] }]);
  expect((await probe.waitForReady(first!)).status).toBe('SUCCESS');
  expect((await probe.waitForReady(later!)).status).toBe('SUCCESS');
  expect(await probe.meta(second!)).toBeUndefined();

  const time = await http('POST', '/api/task/timeout/mon.wait', { workername: MAIN, hard: '1' });
  expect(time.status).toBe(200);
  expect(JSON.parse(time.text)).toEqual({ message: 'time limits set successfully' });
  const [limited] = await send([{ name: 'mon.wait', args: [30_000] }]);
  const meta = await probe.waitForReady(limited!, { timeoutMs: 10_000 });
  expect(meta.status).toBe('FAILURE');
  expect((meta.result as { exc_type?: string }).exc_type).toBe('TimeLimitExceeded');
  expect(await probe.results.get(`mon:aborted:${limited}`)).not.toBeNull();
});

it('add/cancel consumer change active_queues and what is consumed; pool grow/shrink change max-concurrency', async () => {
  const add = await http('POST', `/api/worker/queue/add-consumer/${encodeURIComponent(MAIN)}`, { queue: 'monq' });
  expect(add.status).toBe(200);
  expect(JSON.parse(add.text)).toEqual({ message: 'add consumer monq' });
  await waitUntil(async () => (await refreshed(MAIN))?.active_queues?.some((q) => q.name === 'monq'), 'monq in active_queues');
  const [onMonq] = await send([{ name: 'mon.record', args: ['on-monq'], queue: 'monq' }]);
  expect((await probe.waitForReady(onMonq!)).status).toBe('SUCCESS');

  const cancel = await http('POST', `/api/worker/queue/cancel-consumer/${encodeURIComponent(MAIN)}`, { queue: 'monq' });
  expect(cancel.status).toBe(200);
  await waitUntil(async () => (await refreshed(MAIN))?.active_queues?.every((q) => q.name !== 'monq'), 'monq gone from active_queues');
  const [stranded, after] = await send([{ name: 'mon.record', args: ['stranded'], queue: 'monq' }, { name: 'mon.record', args: ['after'] }]);
  expect((await probe.waitForReady(after!)).status).toBe('SUCCESS');
  expect(await probe.queueLength('monq')).toBe(1);
  expect(await probe.meta(stranded!)).toBeUndefined();

  expect((await http('POST', `/api/worker/pool/grow/${encodeURIComponent(MAIN)}`, { n: '2' })).status).toBe(200);
  await waitUntil(async () => (await refreshed(MAIN))?.stats?.pool?.['max-concurrency'] === 4, 'max-concurrency 4 after grow');
  expect((await http('POST', `/api/worker/pool/shrink/${encodeURIComponent(MAIN)}`, { n: '1' })).status).toBe(200);
  await waitUntil(async () => (await refreshed(MAIN))?.stats?.pool?.['max-concurrency'] === 3, 'max-concurrency 3 after shrink');
});

it(`goes offline within 2 × freq after SIGKILL and at once after SIGTERM`, async () => {
  const [killed, termed] = await Promise.all([startWorker('ts2@interop'), startWorker('ts3@interop')]);
  await waitUntil(async () => { const a = await alive(); return a['ts2@interop'] && a['ts3@interop']; }, 'ts2 and ts3 alive');

  await killed.kill();
  const killedAt = Date.now();
  await waitUntil(async () => (await alive())['ts2@interop'] === false, 'ts2 offline after SIGKILL', { maxIntervalMs: 50 });
  // The last heartbeat came at most one freq before the kill; Flower expires a worker 2 × freq after it.
  const killMs = Date.now() - killedAt;
  expect(killMs).toBeLessThanOrEqual(2 * HEARTBEAT_SEC * 1000 + 500);

  expect(await termed.stop()).toEqual({ code: 0, signal: null });
  const stoppedAt = Date.now();
  await waitUntil(async () => (await alive())['ts3@interop'] === false, 'ts3 offline after SIGTERM', { maxIntervalMs: 50 });
  const termMs = Date.now() - stoppedAt;
  expect(termMs).toBeLessThan(HEARTBEAT_SEC * 1000);
  console.log(`flower offline (freq ${HEARTBEAT_SEC} s): ${killMs} ms after SIGKILL, ${termMs} ms after SIGTERM exit`);
});

it('the shutdown button stops the worker with exit 0 and Flower shows it offline', async () => {
  const res = await http('POST', `/api/worker/shutdown/${encodeURIComponent(MAIN)}`);
  expect(res.status).toBe(200);
  await main.waitForRecord((r) => r.msg === 'worker stopped', 20_000, '"worker stopped" after the shutdown button');
  await waitUntil(async () => main.proc.exited, 'the worker process to exit');
  expect(await main.stop()).toEqual({ code: 0, signal: null });
  await waitUntil(async () => (await alive())[MAIN] === false, 'the worker offline after shutdown', { maxIntervalMs: 50, timeoutMs: 1000 });
});
