// Python producers may compress bodies (`compression='zlib'`): celeriac decompresses what Node can, and
// refuses the rest with a FAILURE that Python's .get() raises instead of hanging.
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, runPythonJson } from './helpers/python';

let redis: RedisServer;
beforeAll(async () => { redis = await startRedisServer(); });
afterAll(async () => {
  await killAllChildren();
  await redis?.stop();
});

it('runs zlib/gzip-compressed messages and fails an unsupported codec cleanly', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['celery'] });
  const out = await runPythonJson<Record<string, { value?: number; error?: string; message?: string; skipped?: string }>>(
    'core_compression.py', { env: celeryEnv(redis.url(1), redis.url(2)), timeoutMs: 90_000 });
  expect(out.zlib).toEqual({ value: 42 });
  expect(out.gzip).toEqual({ value: 42 });
  expect(out.bzip2?.error).toBe('InvalidTaskError');
  expect(out.bzip2?.message).toMatch(/bz2/i);
  const refused = worker.records().filter((r) => r.msg === 'message refused');
  expect(refused).toHaveLength(1);
  await worker.stop();
});
