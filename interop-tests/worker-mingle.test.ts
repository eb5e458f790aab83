// Revokes shared with Python workers through mingle: a task revoked while the celeriac worker was
// down is learned from a Python neighbour's `hello` reply at startup, and is not run.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, runPythonJson } from './helpers/python';
import { startPythonWorker } from './helpers/python-worker';
import { waitUntil } from './helpers/redis-probe';

let redis: RedisServer;
beforeAll(async () => { redis = await startRedisServer(); });
afterAll(async () => {
  await killAllChildren();
  await redis?.stop();
});

it('learns revoked ids from a Python worker at startup and does not run them', async () => {
  const env = celeryEnv(redis.url(1), redis.url(2));
  const py = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['pyonly'], pool: 'solo', nodeName: 'py1@%h' });
  const id = randomUUID();
  await runPythonJson('core_revoke.py', { args: ['revoke', id], env });
  const ts = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['tsonly'], nodeName: 'ts1@%h' });
  const synced = ts.records().find((r) => r.msg === 'mingle: synced with neighbours');
  expect(synced).toMatchObject({ revokedMerged: 1 });
  await runPythonJson('core_revoke.py', { args: ['send', id, 'tsonly'], env });
  await ts.waitForRecord((r) => r.msg === 'task revoked; not run' && r.taskId === id, 20_000, 'the revoked task to be skipped');
  const results = new Redis(redis.url(2));
  try {
    const meta = await waitUntil(async () => (await results.get(`celery-task-meta-${id}`)) ?? undefined, 'a REVOKED result');
    expect(JSON.parse(meta).status).toBe('REVOKED');
    expect(await results.llen('tapp:order')).toBe(0);
  } finally {
    results.disconnect();
  }
  await ts.stop();
  await py.stop();
});
