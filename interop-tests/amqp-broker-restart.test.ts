// RabbitMQ itself killed (SIGKILL) and restarted under a celeriac worker draining acks-late tasks: durable
// queues and persistent messages survive, the worker reconnects, declares and consumes again, and every
// task completes (those running at the kill run again: acks-late is at-least-once).
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { celeryEnv, runPythonJson } from './helpers/python';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

let rabbit: RabbitMqServer;
let redis: RedisServer;
let worker: CeleriacWorker | undefined;

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
}, 120_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

it('completes every acks-late task when RabbitMQ is killed and restarted mid-drain', async () => {
  const TASKS = 40;
  const counterUrl = redis.url(3);
  const counter = new RedisProbe(counterUrl, counterUrl);
  try {
    const env = celeryEnv(rabbit.url('pyamqp'), redis.url(2), { TAPP_COUNTER_URL: counterUrl });
    const ids = await runPythonJson<string[]>('core_send.py', { env,
      input: JSON.stringify([{ name: 'tapp.fleet', count: TASKS, args: [100], queue: 'amqp-restart' }]) });
    worker = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), queues: ['amqp-restart'],
      acksLate: true, concurrency: 4, prefetchMultiplier: 1, nodeName: 'ts-restart@%h', env: { TAPP_COUNTER_URL: counterUrl } });
    await waitUntil(async () => ((await counter.results.keys('tapp:ran:*')).length >= 6 ? true : undefined), 'six tasks started',
      { timeoutMs: 60_000, maxIntervalMs: 50 });
    await rabbit.killAndRestart();
    await worker.waitForRecord((r) => r.msg === 'broker connection restored', 90_000, 'the worker to reconnect');
    const outcomes = await runPythonJson<Record<string, { state: string }>>('core_wait.py', { env, input: JSON.stringify(ids), timeoutMs: 150_000 });
    expect(Object.values(outcomes).filter((o) => o.state !== 'SUCCESS')).toEqual([]);
    const runs = await Promise.all(ids.map((id) => counter.results.llen(`tapp:ran:${id}`)));
    expect(runs.filter((n) => n === 0)).toEqual([]);
    expect(worker.records().filter((r) => r.msg === 'consumer channel error')).toEqual([]);
    expect(worker.proc.exited).toBe(false);
  } finally {
    await counter.close();
  }
}, 300_000);
