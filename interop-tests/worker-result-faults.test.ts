// Issue 12, items 1, 2 and 4, against real Python Celery 5.6.2 producers and real redis-servers (the
// broker and a separate result server the test kills and restarts on the same port):
// - results too deep, too big, not serializable, or refused by the server end FAILURE
//   kombu.exceptions.EncodeError, and Python's .get() raises it;
// - a 70-million-character result does not kill the worker: it stays up and runs the next task;
// - with the result server gone for longer than the client's own retries, acks-late tasks that ran
//   are given back instead of acked, and once the server returns every task id ends SUCCESS;
// - messages with the bare NaN/Infinity kombu writes (headers, args, time_limit=inf) run.
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { RedisProbe, waitUntil } from './helpers/redis-probe';
import { RestartableRedis } from './helpers/restartable-redis';

const APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'result-faults-app.js');
const RESULT_MAX_BYTES = 4 * 1024 * 1024;
const OUTAGE_TASKS = 24;

let broker: RedisServer;
let results: RestartableRedis;
let probe: RedisProbe;
let env: Record<string, string>;
let worker: CeleriacWorker;

interface GetOutcome { state: string; value_repr?: string; exc_module?: string; exc_type?: string; exc?: string }

const send = (specs: unknown[]): Promise<string[]> => runPythonJson<string[]>('result_faults.py', { args: ['send'], env, input: JSON.stringify(specs) });
const get = (id: string, timeoutSec = 60): Promise<GetOutcome> => runPythonJson<GetOutcome>('result_faults.py', { args: ['get', id, String(timeoutSec)], env, timeoutMs: (timeoutSec + 30) * 1000 });

beforeAll(async () => {
  broker = await startRedisServer();
  // The result server refuses bulk strings above 1 MB (Redis's smallest proto-max-bulk-len), below result_max_bytes.
  results = await RestartableRedis.start(['--proto-max-bulk-len', '1mb']);
  probe = new RedisProbe(broker.url(1), results.url(2));
  env = celeryEnv(broker.url(1), results.url(2));
  worker = await startCeleriacWorker({
    brokerUrl: broker.url(1), backendUrl: results.url(2), app: APP_JS, concurrency: 4, acksLate: true,
    // No store retries: an outage longer than the Redis client's own ~10 s gives the message back at once.
    env: { CELERY_RESULT_MAX_BYTES: String(RESULT_MAX_BYTES), CELERY_RESULT_BACKEND_MAX_RETRIES: '0' },
  });
});

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  probe?.results.disconnect();
  probe?.broker.disconnect();
  await killAllChildren();
  await broker?.stop();
  await results?.destroy();
});

describe('results that cannot be stored as they are', () => {
  it.each([
    ['nested 3,000 deep', 'faults.deep', [3000], /^result is nested too deeply to encode as JSON: .*nested deeper than 1000 levels$/],
    ['a 5 MiB Buffer, above result_max_bytes', 'faults.big_buffer', [5 * 1024 * 1024], /^result is too large to store \(result_max_bytes = 4194304\)/],
    ['a function', 'faults.unencodable', [], /^result is not JSON-serializable: cannot encode \$\.result\.callback: a function cannot be encoded as JSON$/],
    ["2 MB, above the server's proto-max-bulk-len", 'faults.sized', [2_000_000], /refused to store the result .*invalid bulk length.*proto-max-bulk-len/],
  ])('a result %s ends FAILURE EncodeError and Python .get() raises kombu.exceptions.EncodeError', async (_what, name, args, message) => {
    const [id] = await send([{ name, args }]);
    const outcome = await get(id as string);
    expect(outcome).toMatchObject({ state: 'FAILURE', exc_module: 'kombu.exceptions', exc_type: 'EncodeError' });
    expect(outcome.exc).toMatch(message);
    expect(await probe.unackedCount()).toBe(0);
  });

  it("'я'.repeat(70e6) does not kill the worker: EncodeError, and the next task runs in the same process", async () => {
    const pid = worker.pid;
    const [huge, next] = await send([{ name: 'faults.huge_string', args: [70_000_000] }, { name: 'faults.echo', args: ['still alive'] }]);
    const outcome = await get(huge as string);
    expect(outcome).toMatchObject({ state: 'FAILURE', exc_type: 'EncodeError' });
    expect(outcome.exc).toMatch(/too large to store \(result_max_bytes = 4194304\)/);
    expect(await get(next as string)).toEqual({ state: 'SUCCESS', value_repr: "['still alive']" });
    expect(worker.proc.exited).toBe(false);
    expect(worker.pid).toBe(pid);
  });
});

describe('NaN and Infinity as Python writes them', () => {
  it('runs a message with NaN/Infinity in its args, a NaN custom header and time_limit=inf, and Python reads the result back', async () => {
    const id = await runPythonJson<string>('result_faults.py', { args: ['nan'], env });
    expect(await get(id)).toEqual({ state: 'SUCCESS', value_repr: '[nan, inf, -inf]' });
    const refusals = worker.records().filter((r) => r.taskId === id && (r.level ?? 0) >= 50);
    expect(refusals).toEqual([]);
  });
});

describe('the result server goes away while acks-late tasks run', () => {
  it('gives back every message whose result could not be stored; after the server returns every task id ends SUCCESS', async () => {
    const ids = await send([{ name: 'faults.slow', args: [300], count: OUTAGE_TASKS }]);
    await worker.waitForRecord((r) => r.msg === 'task succeeded' && ids.includes(String(r.taskId)), 30_000, 'a first outage task running');
    await results.kill();
    // Past the Redis client's ~10 s of reconnect attempts the store fails and the message goes back: only then restart.
    await worker.waitForRecord((r) => r.msg === 'task outcome could not be stored; message returned to its queue to run again', 60_000,
      'an acks-late message given back because its result could not be stored');
    await results.restart();
    const metas = await waitUntil(async () => {
      const all = await Promise.all(ids.map((id) => probe.meta(id).catch(() => undefined)));
      return all.every((m) => m !== undefined) ? all : undefined;
    }, 'every outage task to have a stored result', { timeoutMs: 120_000, maxIntervalMs: 500 });
    expect(metas.map((m) => m?.status)).toEqual(ids.map(() => 'SUCCESS'));
    expect(metas.map((m) => m?.result)).toEqual(ids.map((_, i) => i));
    const states = await runPythonJson<Record<string, string>>('result_faults.py', { args: ['states'], env, input: JSON.stringify(ids) });
    expect(Object.values(states)).toEqual(ids.map(() => 'SUCCESS'));
    await waitUntil(async () => (await probe.unackedCount()) === 0 && (await probe.queueLength('celery')) === 0, 'broker drained');
    expect(worker.proc.exited).toBe(false);
  });
});
