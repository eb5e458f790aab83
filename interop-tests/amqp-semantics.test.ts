// Task semantics on RabbitMQ (classic queues), driven by real Python Celery over py-amqp with results in a private
// Redis DB 2, as the Redis suites (worker-retry, worker-core, worker-priority, worker-reliability) check them on
// Redis: retries with countdown (the ETA held by the worker, handed over between implementations), revoke by id
// and with terminate, hard and soft time limits, rate limits, acks_late + task_reject_on_worker_lost, and
// priorities on a queue Python declared with x-max-priority (on RabbitMQ the highest number goes first).
import { join } from 'node:path';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { startCeleriacWorker, type CeleriacWorker, type CeleriacWorkerOptions } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'amqp-semantics-app.js');
const CANVAS_APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'canvas-app.js');
/** Long enough for the first worker to stop and the second to start before the retry is due (on a busy machine). */
const HANDOFF_COUNTDOWN_SEC = 8;
/** The retry tests are about ETAs held in the worker (classic queues), not re-published through native delayed delivery. */
const HOLD_ETAS = { CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ eta_max_hold_sec: 600 }) };

type Outcome = { state: string; value?: unknown; cls?: string; module?: string; args?: string[] };
type Case<T> = { ok?: T; error?: string };
interface Ran { value: string; retries: number; by: 'py' | 'ts' }

let rabbit: RabbitMqServer;
let redis: RedisServer;
let counter: RedisProbe;
const running = new Set<CeleriacWorker | PythonWorker>();

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  counter = new RedisProbe(redis.url(3), redis.url(3));
}, 120_000);

afterAll(async () => {
  await Promise.all([...running].map((w) => w.stop().catch(() => undefined)));
  await counter?.close();
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

const pyEnv = (extra: Record<string, string> = {}): Record<string, string> =>
  celeryEnv(rabbit.url('pyamqp'), redis.url(2), { TAPP_COUNTER_URL: redis.url(3), CANVAS_COUNTER_URL: redis.url(3), ...extra });
const semantics = <T>(args: string[], input: unknown, env: Record<string, string> = {}): Promise<T> =>
  runPythonJson<T>('amqp_semantics.py', { args, input: JSON.stringify(input), env: pyEnv(env), timeoutMs: 120_000 });
const send = (specs: unknown[], env: Record<string, string> = {}): Promise<string[]> => semantics<string[]>(['send'], specs, env);
const outcomes = (ids: string[], timeoutSec = 30): Promise<Record<string, Outcome>> =>
  semantics<Record<string, Outcome>>(['outcome', String(timeoutSec)], ids);
const outcome = async (id: string, timeoutSec = 30): Promise<Outcome> => (await outcomes([id], timeoutSec))[id] as Outcome;

async function startTs(opts: Partial<CeleriacWorkerOptions> & { queues: string[] }): Promise<CeleriacWorker> {
  const w = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), app: APP_JS, concurrency: 2, ...opts,
    env: { TAPP_COUNTER_URL: redis.url(3), CANVAS_COUNTER_URL: redis.url(3), ...opts.env } });
  running.add(w);
  return w;
}
async function stop(w: CeleriacWorker | PythonWorker): Promise<void> {
  await w.stop();
  running.delete(w);
}

/** Ready and unacknowledged message counts of a queue, as RabbitMQ itself reports them. */
async function queueCounts(queue: string): Promise<{ ready: number; unacked: number }> {
  const rows = JSON.parse(await rabbit.ctl('list_queues', '-q', 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json')) as
    Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
  const row = rows.find((r) => r.name === queue);
  return { ready: row?.messages_ready ?? 0, unacked: row?.messages_unacknowledged ?? 0 };
}
const waitQueueSettled = (queue: string): Promise<true> => waitUntil(async () => {
  const c = await queueCounts(queue);
  return c.ready === 0 && c.unacked === 0 ? true : undefined;
}, `queue ${queue} to be empty with nothing unacked`, { timeoutMs: 30_000, maxIntervalMs: 500 });

describe('retries with countdown: the ETA held by the worker', () => {
  it('a bound celeriac task retrying twice (countdown 0.2 s) returns its value to Python .get(), with retries 2', async () => {
    const ts = await startTs({ queues: ['celery'], app: CANVAS_APP_JS, env: HOLD_ETAS });
    const r = await runPythonJson<Case<{ value: Ran; state: string; id: string }>>('canvas_worker_calls.py', { args: ['retry'], env: pyEnv(), timeoutMs: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.ok?.value).toEqual({ value: 'v', retries: 2, by: 'ts' });
    const retried = ts.records().filter((rec) => rec.msg === 'task retry scheduled' && rec.taskId === r.ok?.id);
    expect(retried.map((rec) => rec.retries)).toEqual([0, 1]);
    await stop(ts);
  });

  // The worker holding a countdown message keeps it unacked; a warm shutdown gives it back to RabbitMQ, which
  // delivers it to the other implementation.
  it.each([['celeriac', 'Python'], ['Python', 'celeriac']] as const)('a retry message published by %s is executed by %s', async (first, _second) => {
    const queue = first === 'celeriac' ? 'amqp.handoff_a' : 'amqp.handoff_b';
    const startPy = (): Promise<PythonWorker> => startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), queues: [queue],
      appModule: 'canvas_worker_app', concurrency: 2, nodeName: `py-${queue}@%h` }).then((w) => { running.add(w); return w; });
    const startTsHere = (): Promise<CeleriacWorker> => startTs({ queues: [queue], app: CANVAS_APP_JS, nodeName: `ts-${queue}@%h`, env: HOLD_ETAS });
    const w1 = first === 'celeriac' ? await startTsHere() : await startPy();
    const id = await runPythonJson<string>('canvas_worker_calls.py', { args: ['send', queue, String(HANDOFF_COUNTDOWN_SEC)], env: pyEnv() });
    const results = new RedisProbe(redis.url(2), redis.url(2));
    try {
      const retry = await waitUntil(async () => { const m = await results.meta(id); return m?.status === 'RETRY' ? m : undefined; }, `RETRY of ${id}`);
      expect(retry.children).toEqual([[[id, null], null]]);
    } finally {
      await results.close();
    }
    await stop(w1);
    const w2 = first === 'celeriac' ? await startPy() : await startTsHere();
    const got = await runPythonJson<Case<Ran>>('canvas_worker_calls.py', { args: ['get', id], env: pyEnv(), timeoutMs: 60_000 });
    expect(got).toEqual({ ok: { value: 'h', retries: 1, by: first === 'celeriac' ? 'py' : 'ts' } });
    await stop(w2);
  });

  // With a per-consumer basic.qos a held message keeps its prefetch slot; a countdown further away than
  // eta_max_hold_sec (1 s by default) goes back to RabbitMQ through native delayed delivery instead, so (as
  // with Python's growing QoS on classic queues) a task sent after five countdowns runs first.
  it('countdown messages sent to a -c 1 --prefetch-multiplier 1 worker (default settings) do not block the queue', async () => {
    const queue = 'amqp.eta';
    const ts = await startTs({ queues: [queue], concurrency: 1, prefetchMultiplier: 1, env: { TAPP_COUNTER_URL: redis.url(4) } });
    const order = new RedisProbe(redis.url(4), redis.url(4));
    try {
      const ids = await send([{ name: 'tapp.record', count: 5, args: [], options: { queue, countdown: 4 } },
        { name: 'tapp.record', args: ['now'], options: { queue } }]);
      const got = await outcomes(ids);
      expect(Object.values(got).map((o) => o.state)).toEqual(Array(6).fill('SUCCESS'));
      expect((await order.results.lrange('tapp:order', 0, -1))[0]).toBe('now');
      await waitQueueSettled(queue);
    } finally {
      await order.close();
    }
    await stop(ts);
  });
});

describe('revoke', () => {
  it('a task revoked (by id) before it arrives is not run: REVOKED for Python .get(), its message acked', async () => {
    const queue = 'amqp.revoke';
    const node = 'ts-revoke@interop';
    const ts = await startTs({ queues: [queue], nodeName: node, env: { TAPP_COUNTER_URL: redis.url(5) } });
    const id = '4d1f7a7e-0000-4000-8000-00000000a001';
    expect(await semantics(['revoke', id, 'plain', node], null)).toEqual({ revoked: id, seen: true });
    await send([{ name: 'tapp.record', args: ['revoked-task-ran'], options: { queue, task_id: id } }]);
    expect(await outcome(id)).toMatchObject({ state: 'REVOKED', cls: 'TaskRevokedError' });
    await ts.waitForRecord((r) => r.msg === 'task revoked; not run' && r.taskId === id, 10_000, 'the revoked task to be skipped');
    const order = new RedisProbe(redis.url(5), redis.url(5));
    try {
      expect(await order.results.llen('tapp:order')).toBe(0);
    } finally {
      await order.close();
    }
    await waitQueueSettled(queue);
    await stop(ts);
  });

  it('revoke with terminate stops a running acks-late task: REVOKED for Python .get(), nothing left unacked', async () => {
    const queue = 'amqp.terminate';
    const node = 'ts-terminate@interop';
    const ts = await startTs({ queues: [queue], nodeName: node, acksLate: true });
    const [id] = await send([{ name: 'tapp.fleet', args: [0, 120_000], options: { queue } }]) as [string];
    await waitUntil(async () => ((await counter.results.llen(`tapp:ran:${id}`)) > 0 ? true : undefined), 'the task to start');
    expect(await semantics(['revoke', id, 'terminate', node], null)).toEqual({ revoked: id, seen: true });
    expect(await outcome(id)).toMatchObject({ state: 'REVOKED', cls: 'TaskRevokedError' });
    await waitQueueSettled(queue);
    expect(ts.proc.exited).toBe(false);
    // tapp.fleet ignores its signal, so its handler still runs (a warm shutdown would wait for it): kill -9,
    // and the message does not come back, it was acked at the terminate.
    await ts.kill();
    running.delete(ts);
    expect(await queueCounts(queue)).toEqual({ ready: 0, unacked: 0 });
  });
});

describe('time and rate limits', () => {
  let ts: CeleriacWorker;
  const queue = 'amqp.limits';
  beforeAll(async () => { ts = await startTs({ queues: [queue], concurrency: 4, acksLate: true }); });
  afterAll(async () => { if (ts) await stop(ts); });

  it('time_limit=1 from Python stops a 60 s task: .get() raises TimeLimitExceeded, the message is acked', async () => {
    const [id] = await send([{ name: 'tapp.fleet', args: [0, 60_000], options: { queue, time_limit: 1 } }]) as [string];
    expect(await outcome(id)).toMatchObject({ state: 'FAILURE', cls: 'TimeLimitExceeded' });
    await waitQueueSettled(queue);
  });

  it('soft_time_limit=0.5 aborts the task signal: .get() raises SoftTimeLimitExceeded', async () => {
    const [id] = await send([{ name: 'amqp.until_soft', options: { queue, soft_time_limit: 0.5 } }]) as [string];
    expect(await outcome(id)).toMatchObject({ state: 'FAILURE', cls: 'SoftTimeLimitExceeded' });
  });

  it('rate_limit 2/s spreads 6 tasks over at least 2 s, all SUCCESS, nothing lost while they wait unacked', async () => {
    const ids = await send([{ name: 'amqp.rated', count: 6, options: { queue } }]);
    const got = await outcomes(ids);
    expect(Object.values(got).map((o) => o.state)).toEqual(Array(6).fill('SUCCESS'));
    const starts = (await counter.results.lrange('amqp:rated', 0, -1)).map((s) => (JSON.parse(s) as [number, number])[1]);
    expect(starts).toHaveLength(6);
    // A token bucket of 2/s (capacity 1) lets the first run at once and one more every 0.5 s: 2.5 s for six.
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(2000);
    await waitQueueSettled(queue);
  });
});

describe('acks_late + task_reject_on_worker_lost (-P threads)', () => {
  it.each([[true, 'the message is requeued and its redelivery succeeds'], [false, 'WorkerLostError is stored and the message acked']] as const)(
    'reject_on_worker_lost %s: a task killing its pool thread: %s', async (reject, _what) => {
      const queue = `amqp.lost.${reject}`;
      const ts = await startTs({ queues: [queue], nodeName: `ts-lost-${reject}@%h`,
        env: { CELERY_WORKER_POOL: 'threads', CELERY_TASK_REJECT_ON_WORKER_LOST: String(reject) } });
      const [id] = await send([{ name: 'amqp.crash_once', options: { queue } }]) as [string];
      const got = await outcome(id);
      if (reject) expect(got).toEqual({ state: 'SUCCESS', value: 'second delivery' });
      else expect(got).toMatchObject({ state: 'FAILURE', cls: 'WorkerLostError' });
      await waitQueueSettled(queue);
      expect(ts.proc.exited).toBe(false);
      await stop(ts);
    });
});

describe('priorities (x-max-priority 10, declared by Python)', () => {
  it('runs the highest priority first, FIFO inside a priority, above-max as max', async () => {
    const queue = 'amqp.prio';
    const sends = [['p0-a', 0], ['p9-a', 9], ['p5-a', 5], ['p0-b', 0], ['p9-b', 9], ['p5-b', 5], ['p-over', 50]] as const;
    const ids = await send(sends.map(([tag, priority]) => ({ name: 'tapp.record', args: [tag], options: { queue, priority } })),
      { AMQP_MAX_PRIORITY: '10', TAPP_COUNTER_URL: redis.url(6) });
    expect(await queueCounts(queue)).toEqual({ ready: sends.length, unacked: 0 });
    const ts = await startTs({ queues: [queue], concurrency: 1, prefetchMultiplier: 1,
      env: { TAPP_COUNTER_URL: redis.url(6), CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ max_priority: 10 }) } });
    const got = await outcomes(ids);
    expect(Object.values(got).map((o) => o.state)).toEqual(Array(sends.length).fill('SUCCESS'));
    const order = new RedisProbe(redis.url(6), redis.url(6));
    try {
      expect(await order.results.lrange('tapp:order', 0, -1)).toEqual(['p-over', 'p9-a', 'p9-b', 'p5-a', 'p5-b', 'p0-a', 'p0-b']);
    } finally {
      await order.close();
    }
    await stop(ts);
  });

  it('a worker declaring the queue without x-max-priority fails to start with a clear error, not a silent 406 loop', async () => {
    await expect(startTs({ queues: ['amqp.prio'], nodeName: 'ts-noprio@%h', readyTimeoutMs: 30_000 }))
      .rejects.toThrow(/x-max-priority/);
  });
});
