// Reliability against real Python Celery: an ETA longer than the visibility timeout runs exactly once
// with a Python worker (and its restore sweep) in the fleet; SIGTERM during 1,000 acks-late tasks and a
// restart complete every task exactly once; automatic retries with backoff seen from Python's .get();
// a task exhausting its retries lands in the DLQ and `celeriac dlq requeue` brings it back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { runCeleriac, startCeleriacWorker, type CeleriacRun, type CeleriacWorker } from './helpers/celeriac-worker';
import { REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'reliability-app.js');
const VISIBILITY_TIMEOUT_SEC = 3;
const ETA_SEC = 8;
const SHUTDOWN_TASKS = 1000;

/** The Python side, written to a temporary folder: the same rel.count task, a sender and a .get() caller. */
const PY_APP = `
import json, os, sys
import redis
from celery import Celery

app = Celery("reliability_py_app", broker=os.environ["CELERY_BROKER_URL"], backend=os.environ["CELERY_RESULT_BACKEND"])
app.conf.broker_connection_retry_on_startup = True
app.conf.broker_transport_options = {"visibility_timeout": float(os.environ["REL_VISIBILITY_TIMEOUT"])}
_r = None

def counter():
    global _r
    if _r is None:
        _r = redis.Redis.from_url(os.environ["REL_COUNTER_URL"])
    return _r

@app.task(name="rel.count")
def count(key):
    counter().incr("rel:runs:%s" % key)
    return key

if __name__ == "__main__":
    if sys.argv[1] == "send":
        ids = []
        with app.producer_or_acquire() as producer:
            for spec in json.load(sys.stdin):
                n = spec.get("count")
                for i in range(n if n is not None else 1):
                    args = ([i] if n is not None else []) + spec.get("args", [])
                    ids.append(app.send_task(spec["name"], args=args, producer=producer, **spec.get("options", {})).id)
        print(json.dumps(ids))
    elif sys.argv[1] == "get":
        print(json.dumps(app.AsyncResult(sys.argv[2]).get(timeout=float(sys.argv[3]))))
`;

let redis: RedisServer;
let probe: RedisProbe;
let counter: RedisProbe;
let pyDir: string;
let env: Record<string, string>;
const workers = new Set<CeleriacWorker | PythonWorker>();

beforeAll(async () => {
  redis = await startRedisServer();
  probe = new RedisProbe(redis.url(1), redis.url(2));
  counter = new RedisProbe(redis.url(3), redis.url(3));
  pyDir = mkdtempSync(join(tmpdir(), 'celeriac-rel-'));
  writeFileSync(join(pyDir, 'reliability_py_app.py'), PY_APP);
  env = { CELERY_BROKER_URL: redis.url(1), CELERY_RESULT_BACKEND: redis.url(2), REL_COUNTER_URL: redis.url(3),
    REL_VISIBILITY_TIMEOUT: String(VISIBILITY_TIMEOUT_SEC) };
});

afterAll(async () => {
  await Promise.all([...workers].map((w) => w.stop()));
  await probe?.close();
  await counter?.close();
  await killAllChildren();
  await redis?.stop();
  if (pyDir) rmSync(pyDir, { recursive: true, force: true });
});

const py = <T>(args: string[], input = ''): Promise<T> =>
  runPythonJson<T>(join(pyDir, 'reliability_py_app.py'), { args, input, env: { ...env, PYTHONPATH: pyDir }, timeoutMs: 60_000 });
const send = (specs: unknown[]): Promise<string[]> => py<string[]>(['send'], JSON.stringify(specs));
const runs = async (key: string): Promise<number> => Number((await counter.results.get(`rel:runs:${key}`)) ?? 0);

/**
 * celeriac workers here queue their idle pops behind the key watchers (`queued_pops: true`; on loopback
 * 'auto' would leave them off), so these faults (kill -9, SIGTERM, cold shutdown) hit that path too;
 * every other interop file runs the plain watchers.
 */
async function startTs(queues: string[], extraEnv: Record<string, string> = {}): Promise<CeleriacWorker> {
  const options = { visibility_timeout: VISIBILITY_TIMEOUT_SEC, queued_pops: true };
  const w = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app: APP_JS, queues, concurrency: 8,
    env: { REL_COUNTER_URL: redis.url(3), CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify(options), ...extraEnv } });
  workers.add(w);
  return w;
}

/** Runs `celeriac <args>` to completion; resolves with its exit code and output. */
function celeriacCli(args: string[]): Promise<CeleriacRun> {
  return runCeleriac(args, { CELERY_BROKER_URL: redis.url(1) });
}

it(`an ETA of ${ETA_SEC} s with a ${VISIBILITY_TIMEOUT_SEC} s visibility timeout runs exactly once with a Python worker sweeping`, async () => {
  await startTs(['rel.eta']);
  const [id] = await send([{ name: 'rel.count', args: ['eta'], options: { queue: 'rel.eta', countdown: ETA_SEC } }]);
  // celeriac holds it unacked; remember when it was delivered (kombu's score, Redis clock).
  const deliveredAt = await waitUntil(async () => {
    const first = await probe.broker.zrange('unacked_index', 0, 0, 'WITHSCORES');
    return first.length === 2 ? Number(first[1]) : undefined;
  }, 'celeriac to hold the ETA message');
  // Start the Python worker only once the visibility timeout passed, so its startup sweep would restore a stale entry.
  await waitUntil(async () => Number((await probe.broker.time())[0]) > deliveredAt + VISIBILITY_TIMEOUT_SEC + 0.5,
    'the visibility timeout to pass since delivery', { maxIntervalMs: 200 });
  const pyWorker = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['rel.eta'], appModule: 'reliability_py_app',
    pythonPath: pyDir, env });
  workers.add(pyWorker);
  const refreshed = Number((await probe.broker.zrange('unacked_index', 0, 0, 'WITHSCORES'))[1]);
  expect(refreshed).toBeGreaterThan(deliveredAt + 1); // the keeper moved the score on (kombu never does)
  expect((await probe.waitForReady(id as string, { timeoutMs: 30_000 })).status).toBe('SUCCESS');
  // Nothing left anywhere that could run it again.
  await waitUntil(async () => ((await probe.unackedCount()) === 0 && (await probe.queueLength('rel.eta')) === 0 ? true : undefined),
    'no copy left in unacked or the queue');
  expect(await runs('eta')).toBe(1);
  // Python never received it (without the keeper its startup sweep restores it and both run it: measured 2 executions).
  expect(pyWorker.lines.filter((l) => l.includes('rel.count') && /received|succeeded/.test(l))).toEqual([]);
  await pyWorker.stop();
  workers.delete(pyWorker);
});

it(`SIGTERM during ${SHUTDOWN_TASKS} acks-late tasks and a restart: every task SUCCESS, each executed exactly once`, async () => {
  const first = await startTs(['rel.late']);
  // 60 ms each at -c 8: ~7.5 s of work, so a SIGTERM sent a quarter of the way in always lands mid-drain
  // (20 ms tasks were all done before a loaded machine delivered the signal).
  const ids = await send([{ name: 'rel.work', count: SHUTDOWN_TASKS, args: [60], options: { queue: 'rel.late' } }]);
  // Count this test's results only: earlier tests of the file left their own metas in DB 2.
  const stored = (): Promise<number> => probe.results.exists(...ids.map((id) => `celery-task-meta-${id}`));
  await waitUntil(async () => ((await stored()) >= SHUTDOWN_TASKS * 0.25 ? true : undefined), 'a quarter of the results');
  const exit = await first.stop();
  workers.delete(first);
  expect(exit.code).toBe(0);
  const atStop = first.records().find((r) => r.msg === 'warm shutdown: waiting for running tasks');
  const doneAtStop = await stored();
  expect(doneAtStop).toBeLessThan(SHUTDOWN_TASKS);
  expect(await probe.unackedCount()).toBe(0); // everything not finished went back to the queue
  await startTs(['rel.late']);
  await waitUntil(async () => ((await stored()) >= SHUTDOWN_TASKS ? true : undefined), 'all results', { timeoutMs: 60_000 });
  const metas = await probe.mget(probe.results, ids.map((id) => `celery-task-meta-${id}`));
  expect(metas.filter((m) => (JSON.parse(m ?? '{}') as { status?: string }).status !== 'SUCCESS')).toEqual([]);
  const counts = (await probe.mget(counter.results, ids.map((id) => `rel:runs:${id}`))).map(Number);
  process.stdout.write(`shutdown: ${doneAtStop} done at SIGTERM, running then ${String(atStop?.running)}, returned ${String(atStop?.returned)}; `
    + `executions ${counts.reduce((a, b) => a + b, 0)}\n`);
  expect(counts.filter((c) => c !== 1)).toEqual([]);
});

it('autoretry with backoff: a JS task failing twice is RETRY in between and Python .get() returns its value', async () => {
  await startTs(['rel.retry']);
  const [id] = await send([{ name: 'rel.flaky', args: ['r1', 2], options: { queue: 'rel.retry' } }]);
  const getting = py<string>(['get', id as string, '30']);
  // Every RETRY state between the attempts, as a Python AsyncResult.state poller would see them.
  const retries: string[] = [];
  let firstRetryAt = 0;
  await waitUntil(async () => {
    const m = await probe.meta(id as string);
    if (m?.status === 'RETRY') {
      const why = String((m.result as { exc_type: string; exc_message: string[] }).exc_type) + ': ' + String((m.result as { exc_message: string[] }).exc_message[0]);
      if (!retries.includes(why)) retries.push(why);
      firstRetryAt ||= Date.now();
    }
    return m?.status === 'SUCCESS' ? true : undefined;
  }, 'SUCCESS after the retries', { maxIntervalMs: 20 });
  expect(retries).toEqual(['ConnectionError: attempt 1 of r1', 'ConnectionError: attempt 2 of r1']);
  expect(await getting).toBe('r1 ok after 3 attempts');
  // backoff 1 s then 2 s (no jitter): SUCCESS cannot come sooner than ~3 s after the first RETRY.
  expect(Date.now() - firstRetryAt).toBeGreaterThanOrEqual(2500);
  expect(Number(await counter.results.get('rel:attempts:r1'))).toBe(3);
});

it('a task exhausting its retries lands in the DLQ; celeriac dlq list shows it and requeue runs it again', async () => {
  await startTs(['rel.work.dlq']);
  const [id] = await send([{ name: 'rel.doomed', args: ['d1'], options: { queue: 'rel.work.dlq' } }]);
  const failed = await probe.waitForReady(id as string);
  expect(failed).toMatchObject({ status: 'FAILURE', result: { exc_type: 'KeyError' } });
  await waitUntil(async () => ((await probe.queueLength('rel.dlq')) === 1 ? true : undefined), 'the DLQ copy');
  const listed = await celeriacCli(['dlq', 'list', 'rel.dlq', '--json']);
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toEqual([{ id, task: 'rel.doomed', originalQueue: 'rel.work.dlq', reason: 'retries-exhausted',
    exception: "KeyError('broken d1')", failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown }]);
  expect(await probe.queueLength('rel.dlq')).toBe(1);
  expect(await runs('d1')).toBe(2);
  await counter.results.set('rel:fixed:d1', '1');
  const requeued = await celeriacCli(['dlq', 'requeue', 'rel.dlq', '--id', id as string]);
  expect([requeued.code, requeued.stdout]).toEqual([0, 'requeued 1 message(s) from rel.dlq\n']);
  const fixed = await waitUntil(async () => { const m = await probe.meta(id as string); return m?.status === 'SUCCESS' ? m : undefined; }, 'SUCCESS after requeue');
  expect(fixed.result).toBe('d1 fixed');
  expect(await probe.queueLength('rel.dlq')).toBe(0);
  expect(await runs('d1')).toBe(3);
});

it('a second SIGTERM is a cold shutdown: exit 1 at once, running acks-late messages back in the queue, nothing left unacked', async () => {
  const w = await startTs(['rel.cold']);
  const ids = await send([{ name: 'rel.work', count: 3, args: [60_000], options: { queue: 'rel.cold' } }]);
  await waitUntil(async () => ((await Promise.all(ids.map(runs))).every((n) => n === 1) ? true : undefined), 'the three tasks to start');
  const warm = w.proc.stop('SIGTERM');
  await w.waitForRecord((r) => r.msg === 'warm shutdown: waiting for running tasks', 10_000, 'the warm shutdown');
  const cold = await w.proc.stop('SIGTERM', 10_000);
  await warm;
  workers.delete(w);
  expect(cold.code).toBe(1);
  expect(await probe.unackedCount()).toBe(0);
  expect(await probe.queueLength('rel.cold')).toBe(3);
});

it('kill -9 of a worker holding acks-late tasks: a running peer restores them within about the visibility timeout', async () => {
  // kombu sweeps every 100 s whatever the timeout; ours sweeps every min(100 s, timeout / 4), so with a
  // 3 s timeout a peer gets them back in seconds. The 30 s bound below is far under the old 100 s.
  const start = (nodeName: string): Promise<CeleriacWorker> => startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2),
    app: APP_JS, queues: ['rel.peer'], concurrency: 8, nodeName,
    env: { REL_COUNTER_URL: redis.url(3), CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ visibility_timeout: VISIBILITY_TIMEOUT_SEC }) } });
  const victim = await start('victim@%h');
  const ids = await send([{ name: 'rel.work', count: 8, args: [20_000], options: { queue: 'rel.peer' } }]);
  await waitUntil(async () => ((await probe.unackedCount()) >= 8 ? true : undefined), 'the victim to hold all 8');
  // The peer starts with the queue empty: whatever it runs, it got back from the dead victim.
  const peer = await start('peer@%h');
  await victim.kill();
  const killedAt = Date.now();
  try {
    await waitUntil(async () => {
      const started = await probe.mget(counter.results, ids.map((id) => `rel:runs:${id}`));
      return started.every((n) => Number(n) >= 2) ? true : undefined;
    }, 'every task running again on the peer', { timeoutMs: 30_000 });
    process.stdout.write(`recovery after kill -9: ${Date.now() - killedAt} ms (visibility timeout ${VISIBILITY_TIMEOUT_SEC} s)\n`);
  } finally {
    await peer.kill();
  }
});
