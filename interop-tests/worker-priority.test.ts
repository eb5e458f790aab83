// Priorities on one Redis queue: enqueued while no worker runs, then drained one at a time.
// On Redis a lower number is consumed first (buckets 0, 3, 6, 9; spec §2.3).
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, runPythonJson } from './helpers/python';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

let redis: RedisServer;
let probe: RedisProbe;
let worker: CeleriacWorker | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
  probe = new RedisProbe(redis.url(1), redis.url(2));
});

afterAll(async () => {
  await worker?.stop();
  await probe?.close();
  await killAllChildren();
  await redis?.stop();
});

it('runs priority 0 before 3-5 before 9, FIFO inside a bucket', async () => {
  const sends = [['p9-a', 9], ['p0-a', 0], ['p5-a', 5], ['p9-b', 9], ['p0-b', 0], ['p5-b', 5], ['p0-c', 2], ['p9-c', 50]] as const;
  await runPythonJson<string[]>('core_send.py', {
    env: celeryEnv(redis.url(1), redis.url(2)),
    input: JSON.stringify(sends.map(([tag, priority]) => ({ name: 'tapp.record', args: [tag], priority }))),
  });
  expect(await probe.queueLength('celery')).toBe(sends.length);
  worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), concurrency: 1, prefetchMultiplier: 1 });
  const order = await waitUntil(async () => {
    const got = await probe.results.lrange('tapp:order', 0, -1);
    return got.length === sends.length ? got : undefined;
  }, `${sends.length} recorded executions`);
  expect(order).toEqual(['p0-a', 'p0-b', 'p0-c', 'p5-a', 'p5-b', 'p9-a', 'p9-b', 'p9-c']);
});
