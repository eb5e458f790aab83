import Redis from 'ioredis';
import pino from 'pino';
import { createRedisTransport, type RedisTransport } from '../../src/transport/redis/redis-transport';
import type { RedisTransportOptions } from '../../src/transport/redis/redis-transport-options';
import { startRedisServer, type RedisServer } from './redis-server';

/** What a Redis transport test file gets from useRedisTransports(). */
export interface RedisTransportHarness {
  /** The file's private redis-server (started once per file). */
  readonly server: RedisServer;
  /** A client on db 0 of that server (CLIENT LIST, CONFIG, INFO). */
  readonly admin: Redis;
  /** A connected transport on a fresh database, plus a client on that database; both closed after each test. */
  open(options?: Partial<RedisTransportOptions>): Promise<{ t: RedisTransport; db: number; r: Redis }>;
}

/**
 * Registers the hooks of a test file that drives RedisTransport against a real redis-server: one
 * private server per file, a fresh database per transport, everything closed after each test.
 */
export function useRedisTransports(): RedisTransportHarness {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  let db = 0;
  let opened: Array<{ t: RedisTransport; r: Redis }> = [];
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.port, '127.0.0.1');
  });
  afterEach(async () => {
    await Promise.all(opened.map(async ({ t, r }) => { await t.close(); r.disconnect(); }));
    opened = [];
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useRedisTransports: the server starts in beforeAll');
    return v;
  };
  return {
    get server() { return started(server); },
    get admin() { return started(admin); },
    async open(options = {}) {
      db += 1;
      const s = started(server);
      const t = createRedisTransport(s.url(db), options, pino({ level: 'silent' }));
      const r = new Redis(s.port, '127.0.0.1', { db });
      opened.push({ t, r });
      await t.connect();
      return { t, db, r };
    },
  };
}
