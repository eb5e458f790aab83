import pino from 'pino';
import { MemoryTransport } from '../../src/transport/memory/memory-transport';
import { createRedisTransport } from '../../src/transport/redis/redis-transport';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { describeKombuRedisLayoutContract } from './kombu-redis-layout-contract';
import { describeTransportContract, type TransportHarness } from './transport-contract';

const memory = async (): Promise<TransportHarness> => {
  const transport = new MemoryTransport();
  return { open: () => transport, dispose: async () => undefined };
};

// One private redis-server for the file, shared by the neutral and the layout suites.
let server: Promise<RedisServer> | undefined;
afterAll(async () => { await (await server)?.stop(); });
const redis = async (): Promise<TransportHarness> => {
  server ??= startRedisServer();
  const started = await server;
  return {
    open: () => createRedisTransport(started.url(2), {}, pino({ level: 'silent' })),
    dispose: async () => undefined,
  };
};

describeTransportContract('MemoryTransport', memory);
describeKombuRedisLayoutContract('MemoryTransport', memory);
describeTransportContract('RedisTransport', redis);
describeKombuRedisLayoutContract('RedisTransport', redis);
