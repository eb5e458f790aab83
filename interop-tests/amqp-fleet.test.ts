// Mixed fleet at scale on RabbitMQ, as worker-fleet.test.ts on Redis: 5,000 acks-late tasks sent by Python to one
// queue shared by a Python worker (py-amqp) and a celeriac worker; each is kill -9ed once mid-drain and a new one
// started. RabbitMQ gives a dead consumer's unacked messages back at once, so the others carry on: every task
// ends SUCCESS with its own value, none is lost, and a task runs more than once only when every run but the last
// was on a worker that was then killed (at-least-once). Executions are counted per implementation.
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { celeryEnv, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const TASKS = 5000;
const SLEEP_MS = 5;
const QUEUE = 'amqp.fleet';

let rabbit: RabbitMqServer;
let redis: RedisServer;
let results: RedisProbe;
let counter: RedisProbe;
const workers = new Set<CeleriacWorker | PythonWorker>();

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  results = new RedisProbe(redis.url(2), redis.url(2));
  counter = new RedisProbe(redis.url(3), redis.url(3));
}, 120_000);

afterAll(async () => {
  await Promise.all([...workers].map((w) => w.stop().catch(() => undefined)));
  await results?.close();
  await counter?.close();
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

const pyEnv = (): Record<string, string> => ({ TAPP_ACKS_LATE: '1', TAPP_COUNTER_URL: redis.url(3) });
const py = (name: string): Promise<PythonWorker> => startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2),
  queues: [QUEUE], pool: 'solo', concurrency: 1, nodeName: `${name}@amqp-fleet`, env: pyEnv() }).then((w) => { workers.add(w); return w; });
const ts = (name: string): Promise<CeleriacWorker> => startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2),
  queues: [QUEUE], acksLate: true, concurrency: 4, nodeName: `${name}@amqp-fleet`, env: { TAPP_COUNTER_URL: redis.url(3) } })
  .then((w) => { workers.add(w); return w; });
const kill = async (w: CeleriacWorker | PythonWorker): Promise<void> => {
  await w.kill();
  workers.delete(w);
};

it(`${TASKS} acks-late tasks survive kill -9 of a Python and of a celeriac worker sharing the queue`, async () => {
  const ids = await runPythonJson<string[]>('core_send.py', { env: celeryEnv(rabbit.url('pyamqp'), redis.url(2), pyEnv()), timeoutMs: 120_000,
    input: JSON.stringify([{ name: 'tapp.fleet', count: TASKS, args: [SLEEP_MS], queue: QUEUE }]) });
  expect(ids).toHaveLength(TASKS);
  const keys = ids.map((id) => `celery-task-meta-${id}`);
  const done = async (): Promise<number> => {
    let n = 0;
    for (let i = 0; i < keys.length; i += 1000) n += await results.results.exists(...keys.slice(i, i + 1000));
    return n;
  };
  const startedAt = Date.now();
  const py1 = await py('py1');
  const ts1 = await ts('ts1');

  await waitUntil(async () => ((await done()) >= TASKS * 0.15 ? true : undefined), '15% of the results', { timeoutMs: 120_000, maxIntervalMs: 100 });
  const atPyKill = await done();
  await kill(py1);
  const py2 = await py('py2');

  await waitUntil(async () => ((await done()) >= TASKS * 0.55 ? true : undefined), '55% of the results', { timeoutMs: 120_000, maxIntervalMs: 100 });
  const atTsKill = await done();
  await kill(ts1);
  const ts2 = await ts('ts2');

  await waitUntil(async () => ((await done()) >= TASKS ? true : undefined), `all ${TASKS} results`, { timeoutMs: 150_000, maxIntervalMs: 500 })
    .catch(async (err: unknown) => { throw new Error(`${(err as Error).message}: ${await done()} results`); });
  const drainSec = (Date.now() - startedAt) / 1000;

  const metas = await results.mget(results.results, keys);
  const wrong = ids.filter((_, i) => {
    const meta = JSON.parse(metas[i] ?? '{}') as { status?: string; result?: { i?: number; by?: string } };
    return meta.status !== 'SUCCESS' || meta.result?.i !== i || !['py', 'ts'].includes(String(meta.result?.by));
  });
  expect(wrong).toEqual([]);
  // Every result is in, but redelivered copies of what a killed worker ran may still be running (and
  // an ack may still be on its way; RabbitMQ's queue counters also lag a little): wait until the queue
  // is empty with nothing unacked, then count executions, which are final from then on.
  const idle = new RegExp(`${QUEUE.replace('.', '\\.')}\\s+0\\s+0`);
  await waitUntil(async () => idle.test(await rabbit.ctl('list_queues', '-q', 'name', 'messages_ready', 'messages_unacknowledged')),
    'the fleet queue empty with nothing unacked', { timeoutMs: 60_000, maxIntervalMs: 500 });

  const pipeline = counter.results.pipeline();
  for (const id of ids) pipeline.lrange(`tapp:ran:${id}`, 0, -1);
  const runs = ((await pipeline.exec()) ?? []).map(([, v]) => v as string[]);
  const killed = new Set(['py:py1@amqp-fleet', 'ts:ts1@amqp-fleet']);
  const duplicates = ids.filter((_, i) => (runs[i]?.length ?? 0) > 1);
  // At-least-once: only a run on a worker that was then killed (its ack never sent) may be followed by another.
  const unexplained = ids.filter((_, i) => (runs[i] ?? []).slice(0, -1).some((who) => !killed.has(who)));
  const byWorker: Record<string, number> = {};
  for (const r of runs) for (const who of r) byWorker[who] = (byWorker[who] ?? 0) + 1;
  const executions = runs.reduce((n, r) => n + r.length, 0);
  process.stdout.write(`amqp fleet: ${TASKS} tasks in ${drainSec.toFixed(1)} s; executions ${executions} (${JSON.stringify(byWorker)}); `
    + `results at py kill ${atPyKill}, at ts kill ${atTsKill}; duplicates ${duplicates.length}, unexplained ${unexplained.length}\n`);
  expect(runs.filter((r) => r.length === 0)).toHaveLength(0);
  expect(unexplained).toEqual([]);
  expect(atPyKill).toBeLessThan(TASKS);
  expect(atTsKill).toBeLessThan(TASKS);
  // Both implementations, before and after their restart, took part.
  for (const who of ['py:py1@amqp-fleet', 'ts:ts1@amqp-fleet', 'py:py2@amqp-fleet', 'ts:ts2@amqp-fleet']) expect(byWorker[who] ?? 0).toBeGreaterThan(0);
  // celeriac was running acks-late tasks when it was killed: RabbitMQ redelivered them and they ran again.
  expect(duplicates.filter((id) => runs[ids.indexOf(id)]?.includes('ts:ts1@amqp-fleet')).length).toBeGreaterThan(0);
  await Promise.all([py2.stop(), ts2.stop()]);
  workers.clear();
}, 300_000);
