// RabbitMQ: real Python Celery (py-amqp, broker pyamqp://, results in a private Redis DB 2) and a celeriac
// worker on one private rabbitmq-server. Python calls .delay() and reads results with AsyncResult.get();
// integer headers cross py-amqp <-> amqplib intact both ways; a Python and a celeriac worker share an
// acks-late queue and kill -9 of either mid-drain loses nothing (RabbitMQ redelivers to the other);
// celery inspect and Python's event Receiver see celeriac; a lost connection is recovered mid-drain.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import { createAmqpTransport } from '../src/transport/amqp/amqp-transport';
import { amqpTransportOptionsSchema } from '../src/transport/amqp/amqp-transport-options';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { textMessage } from '../test/contract/transport-contract';
import { DeliveryLog } from '../test/contract/transport-contract-context';
import { CELERIAC_BIN, startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { PYTHON_DIR, REPO_ROOT, celeryEnv, runPythonJson, venvBin } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

let rabbit: RabbitMqServer;
let redis: RedisServer;
const workers: Array<CeleriacWorker | PythonWorker> = [];

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

const pyEnv = (extra: Record<string, string> = {}): Record<string, string> => celeryEnv(rabbit.url('pyamqp'), redis.url(2), extra);

it('runs Python .delay() calls on a celeriac worker; AsyncResult.get() reads them from Redis', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), concurrency: 2 });
  workers.push(worker);
  const got = await runPythonJson<Record<string, { ok?: unknown; error?: string }>>('amqp_calls.py', { env: pyEnv() });
  expect(got.add).toEqual({ ok: 5 });
  expect(got.retries_header).toEqual({ ok: { id: expect.any(String), retries: 4, x: 7 } });
  expect(got.big_args).toEqual({ ok: 2 ** 40 - 2 ** 33 });
  expect(got.failure).toEqual({ error: 'ValueError: nope' });
  await worker.stop();
}, 120_000);

it('answers `celery inspect ping` / `active_queues` and `celeriac inspect ping` over the pidbox exchanges as kombu declares them', async () => {
  const node = 'ts-ping@interop';
  const worker = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), nodeName: node, queues: ['celery', 'pingq'] });
  workers.push(worker);
  const celery = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await promisify(execFile)(venvBin('celery'), ['-A', 'tapp', 'inspect', ...args, '-d', node, '--json', '-t', '5'],
      { cwd: PYTHON_DIR, env: { ...process.env, PYTHONPATH: PYTHON_DIR, ...pyEnv() }, timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop() as string);
  };
  expect(await celery('ping')).toEqual({ [node]: { ok: 'pong' } });
  const queues = await celery('active_queues') as Record<string, Array<{ name: string }>>;
  expect(queues[node]?.map((q) => q.name).sort()).toEqual(['celery', 'pingq']);
  // celeriac's own client (reply queue on reply.celery.pidbox, request on celery.pidbox) too.
  const { stdout } = await promisify(execFile)(process.execPath, [CELERIAC_BIN, 'inspect', 'ping', '-d', node],
    { cwd: REPO_ROOT, env: { ...process.env, CELERY_BROKER_URL: rabbit.url('amqp'), CELERY_RESULT_BACKEND: redis.url(2) }, timeout: 60_000 });
  expect(stdout).toBe(`->  ${node}: OK\n        pong\n\n1 node online.\n`);
  await worker.stop();
}, 120_000);

it('sends worker and task events Python receives on the celeryev topic exchange (as Flower and `celery events`)', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), nodeName: 'ts-events@interop',
    env: { CELERY_WORKER_SEND_TASK_EVENTS: 'true', CELERY_WORKER_HEARTBEAT_INTERVAL: '1' } });
  workers.push(worker);
  const got = await runPythonJson<Record<string, Record<string, unknown>>>('amqp_events.py',
    { args: ['worker-heartbeat', 'task-received', 'task-succeeded'], env: pyEnv() });
  expect(got['worker-heartbeat']).toMatchObject({ hostname: 'ts-events@interop' });
  expect(got['task-received']).toMatchObject({ name: 'tapp.add', hostname: 'ts-events@interop' });
  expect(got['task-succeeded']).toMatchObject({ result: '3', hostname: 'ts-events@interop' });
  await worker.stop();
}, 120_000);

describe('integer headers between py-amqp and amqplib', () => {
  const transport = (): ReturnType<typeof createAmqpTransport> =>
    createAmqpTransport(rabbit.url(), amqpTransportOptionsSchema.parse({}), pino({ level: 'silent' }));

  it('reads what py-amqp wrote (I and L integers, lists, booleans, None) with the same values', async () => {
    const t = transport();
    try {
      await t.connect();
      const sent = await runPythonJson<Record<string, unknown>>('amqp_headers.py', { args: ['send', 'hdr.from-python'], env: pyEnv() });
      const log = new DeliveryLog();
      await t.consume(['hdr.from-python'], 1, log.push);
      const [d] = await log.until(1, 10_000);
      await d?.ack();
      expect(d?.message.headers).toEqual(sent);
    } finally {
      await t.close();
    }
  });

  it('gives py-amqp integers (not strings or bytes) for what celeriac wrote', async () => {
    const t = transport();
    try {
      await t.connect();
      const queue = 'hdr.to-python';
      await t.declareQueue(queue, { exchange: queue, routingKey: queue });
      const receiving = runPythonJson<Record<string, unknown>>('amqp_headers.py', { args: ['receive', queue], env: pyEnv() });
      const headers = { retries: 5, clock: 123, small: -3, wide: 40_000, big: 2 ** 40, timelimit: [30, 20], flag: true };
      await t.publish(textMessage('{}', undefined, headers), { exchange: queue, routingKey: queue });
      const got = await receiving;
      const int = (value: number): unknown => ({ value, type: 'int' });
      expect(got).toMatchObject({ retries: int(5), clock: int(123), small: int(-3), wide: int(40_000), big: int(2 ** 40),
        timelimit: [int(30), int(20)], flag: { value: true, type: 'bool' } });
    } finally {
      await t.close();
    }
  });
});

it('loses nothing when a celeriac worker sharing an acks-late queue with a Python worker is kill -9ed', async () => {
  const TASKS = 40;
  const counterUrl = redis.url(3);
  const counter = new RedisProbe(counterUrl, counterUrl);
  const results = new RedisProbe(redis.url(2), redis.url(2));
  try {
    const env = { TAPP_ACKS_LATE: '1', TAPP_COUNTER_URL: counterUrl };
    const ids = await runPythonJson<string[]>('core_send.py', { env: pyEnv(env),
      input: JSON.stringify([{ name: 'tapp.fleet', count: TASKS, args: [400], queue: 'amqp-fleet' }]) });
    const ts = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), queues: ['amqp-fleet'],
      acksLate: true, concurrency: 4, prefetchMultiplier: 1, nodeName: 'ts-amqp@%h', env: { TAPP_COUNTER_URL: counterUrl } });
    // celeriac is running 4 tasks it has not acked (each sleeps 400 ms): kill it there.
    const running = await waitUntil(async () => {
      const started = [];
      for (const id of ids) if ((await counter.results.lrange(`tapp:ran:${id}`, 0, -1)).some((w) => w.startsWith('ts:'))) started.push(id);
      if (started.length < 2) return undefined;
      const done = await results.results.exists(...started.map((id) => `celery-task-meta-${id}`));
      return started.length - done > 0 ? started : undefined;
    }, 'celeriac to be running tasks', { timeoutMs: 60_000, maxIntervalMs: 50 });
    await ts.kill();
    const py = await startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), queues: ['amqp-fleet'],
      pool: 'solo', concurrency: 1, nodeName: 'py-amqp@%h', env });
    workers.push(py);

    const outcomes = await runPythonJson<Record<string, { state: string }>>('core_wait.py', { env: pyEnv(),
      input: JSON.stringify(ids), timeoutMs: 120_000 });
    expect(Object.values(outcomes).filter((o) => o.state !== 'SUCCESS')).toEqual([]);
    const runs = await Promise.all(ids.map((id) => counter.results.lrange(`tapp:ran:${id}`, 0, -1)));
    expect(runs.filter((r) => r.length === 0)).toEqual([]);
    // What celeriac held unfinished at the kill was redelivered to, and run by, the Python worker.
    const redelivered = ids.filter((_, i) => runs[i]?.[0]?.startsWith('ts:') && runs[i]?.some((w) => w.startsWith('py:')));
    expect(redelivered.length).toBeGreaterThan(0);
    expect(running.length).toBeGreaterThan(0);
    await py.stop();
  } finally {
    await counter.close();
    await results.close();
  }
}, 240_000);

it('loses nothing when a Python worker sharing an acks-late queue with celeriac is kill -9ed', async () => {
  const TASKS = 20;
  const counterUrl = redis.url(5);
  const counter = new RedisProbe(counterUrl, counterUrl);
  const results = new RedisProbe(redis.url(2), redis.url(2));
  try {
    const env = { TAPP_ACKS_LATE: '1', TAPP_COUNTER_URL: counterUrl };
    const ids = await runPythonJson<string[]>('core_send.py', { env: pyEnv(env),
      input: JSON.stringify([{ name: 'tapp.fleet', count: TASKS, args: [300], queue: 'amqp-fleet-py' }]) });
    const py = await startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), queues: ['amqp-fleet-py'],
      pool: 'solo', concurrency: 1, nodeName: 'py-kill@%h', env });
    // Python (prefetch 4) is running one task and holds more, none acked: kill it there.
    await waitUntil(async () => {
      const started = [];
      for (const id of ids) if ((await counter.results.llen(`tapp:ran:${id}`)) > 0) started.push(id);
      if (started.length < 2) return undefined;
      const done = await results.results.exists(...started.map((id) => `celery-task-meta-${id}`));
      return started.length - done > 0 ? true : undefined;
    }, 'the Python worker to be running tasks', { timeoutMs: 60_000, maxIntervalMs: 50 });
    await py.kill();
    const ts = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), queues: ['amqp-fleet-py'],
      acksLate: true, concurrency: 4, nodeName: 'ts-after-py@%h', env: { TAPP_COUNTER_URL: counterUrl } });
    workers.push(ts);
    const outcomes = await runPythonJson<Record<string, { state: string }>>('core_wait.py', { env: pyEnv(),
      input: JSON.stringify(ids), timeoutMs: 120_000 });
    expect(Object.values(outcomes).filter((o) => o.state !== 'SUCCESS')).toEqual([]);
    const runs = await Promise.all(ids.map((id) => counter.results.lrange(`tapp:ran:${id}`, 0, -1)));
    const redelivered = ids.filter((_, i) => runs[i]?.[0]?.startsWith('py:') && runs[i]?.some((w) => w.startsWith('ts:')));
    expect(redelivered.length).toBeGreaterThan(0);
    await ts.stop();
  } finally {
    await counter.close();
    await results.close();
  }
}, 240_000);

it('recovers a lost broker connection mid-drain: re-consumes, acks nothing stale, every acks-late task succeeds', async () => {
  const TASKS = 30;
  const counterUrl = redis.url(4);
  const counter = new RedisProbe(counterUrl, counterUrl);
  try {
    const ids = await runPythonJson<string[]>('core_send.py', { env: pyEnv({ TAPP_COUNTER_URL: counterUrl }),
      input: JSON.stringify([{ name: 'tapp.fleet', count: TASKS, args: [150], queue: 'amqp-sever' }]) });
    const ts = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), queues: ['amqp-sever'],
      acksLate: true, concurrency: 4, prefetchMultiplier: 1, nodeName: 'ts-sever@%h', env: { TAPP_COUNTER_URL: counterUrl } });
    workers.push(ts);
    await waitUntil(async () => ((await counter.results.keys('tapp:ran:*')).length >= 6 ? true : undefined), 'six tasks started',
      { timeoutMs: 60_000, maxIntervalMs: 50 });
    await rabbit.closeAllConnections();
    await ts.waitForRecord((r) => r.msg === 'broker connection restored', 60_000, 'the worker to reconnect');
    const outcomes = await runPythonJson<Record<string, { state: string }>>('core_wait.py', { env: pyEnv(),
      input: JSON.stringify(ids), timeoutMs: 120_000 });
    expect(Object.values(outcomes).filter((o) => o.state !== 'SUCCESS')).toEqual([]);
    // An ack of a delivery from the dead channel would have closed the new one (406 unknown delivery tag).
    expect(ts.records().filter((r) => r.msg === 'consumer channel error')).toEqual([]);
    expect(ts.proc.exited).toBe(false);
    await ts.stop();
  } finally {
    await counter.close();
  }
}, 240_000);
