import pino from 'pino';
import { MemoryTransport } from '../../src/transport/memory/memory-transport';
import { createRedisTransport } from '../../src/transport/redis/redis-transport';
import { startRedisServer } from '../helpers/redis-server';
import { describeTransportContract } from './transport-contract';

describeTransportContract('MemoryTransport', async () => {
  const transport = new MemoryTransport();
  return { open: () => transport, dispose: async () => undefined };
});

describeTransportContract('RedisTransport', async () => {
  const server = await startRedisServer();
  return {
    open: () => createRedisTransport(server.url(2), {}, pino({ level: 'silent' })),
    dispose: () => server.stop(),
  };
});
