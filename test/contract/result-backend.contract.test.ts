import pino from 'pino';
import Redis from 'ioredis';
import { MemoryResultBackend } from '../../src/backend/memory-result-backend';
import { createRedisResultBackend } from '../../src/backend/redis-result-backend';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { describeResultBackendContract, type ResultBackendFixtureOptions } from './result-backend-contract';

const logger = pino({ level: 'silent' });

describeResultBackendContract('MemoryResultBackend', async (options: ResultBackendFixtureOptions = {}) => {
  const backend = new MemoryResultBackend(options);
  await backend.connect();
  return {
    backend,
    ttlSec: async (taskId) => backend.remainingTtlSec(taskId),
    close: () => backend.close(),
  };
});

let server: RedisServer;
beforeAll(async () => { server = await startRedisServer(); });
afterAll(async () => { await server.stop(); });

describeResultBackendContract('RedisResultBackend', async (options: ResultBackendFixtureOptions = {}) => {
  const backend = createRedisResultBackend(server.url(3), options, logger);
  await backend.connect();
  const probe = new Redis({ port: server.port, host: '127.0.0.1', db: 3, lazyConnect: true });
  await probe.connect();
  return {
    backend,
    ttlSec: async (taskId) => {
      const ttl = await probe.ttl(backend.keyFor(taskId));
      return ttl === -2 ? undefined : ttl === -1 ? null : ttl;
    },
    close: async () => {
      await backend.close();
      await probe.quit();
    },
  };
});
