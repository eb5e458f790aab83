// Warm shutdown with a real Python producer: SIGTERM lets the running task finish, gives the
// prefetched messages back to their queue (nothing left in `unacked`), and exits 0.
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, runPythonJson } from './helpers/python';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

let redis: RedisServer;
let probe: RedisProbe;

beforeAll(async () => {
  redis = await startRedisServer();
  probe = new RedisProbe(redis.url(1), redis.url(2));
});

afterAll(async () => {
  await killAllChildren();
  await probe?.close();
  await redis?.stop();
});

it('SIGTERM finishes the running acks-late task, returns prefetched ones and exits 0', async () => {
  const env = celeryEnv(redis.url(1), redis.url(2));
  // Five 1.5 s tasks; -c 1 × prefetch multiplier 4 = 4 held (one running, three reserved), one left in the queue.
  const ids = await runPythonJson<string[]>('core_send.py', {
    env, input: JSON.stringify([{ name: 'tapp.fleet', args: [1500], count: 5, queue: 'shut' }]),
  });
  const worker = await startCeleriacWorker({
    brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['shut'], concurrency: 1, prefetchMultiplier: 4, acksLate: true,
  });
  await waitUntil(async () => ((await probe.unackedCount()) === 4 ? true : undefined), 'the worker to hold four messages');
  const first = ids[0] as string;
  const exit = worker.stop();
  const { code } = await exit;
  expect(code).toBe(0);
  expect((await probe.meta(first))?.status).toBe('SUCCESS');
  for (const id of ids.slice(1)) expect(await probe.meta(id)).toBeUndefined();
  expect(await probe.queueLength('shut')).toBe(4);
  expect(await probe.unackedCount()).toBe(0);
  const stopped = worker.records().find((r) => r.msg === 'warm shutdown: waiting for running tasks');
  expect(stopped).toMatchObject({ running: 1, returned: 3 });
});
