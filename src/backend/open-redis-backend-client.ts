import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { BackendError } from '../errors/celeriac-error';
import { coerceError } from '../errors/coerce-error';
import { describeConnectError, redisTlsHints } from '../transport/redis/connect-redis-client';
import { isTlsError } from '../transport/tls-error';
import { probeSentinel } from '../transport/redis/probe-sentinel';
import { createRedisClient, type RedisConnectionSpec } from '../transport/redis/redis-connection';

/** Commands the backend batches itself, sent without ioredis' auto-pipelining (see below). */
const DIRECT_COMMANDS = ['celeriacStoreResult', 'celeriacStoreResults'] as const;

/**
 * Creates an ioredis client for the result backend with an 'error' listener attached before
 * anything can fail (so no 'error' event is ever unhandled), and connects it. A failed first connect
 * disconnects the client (no background reconnect loop) and throws BackendError
 * CELERIAC_BACKEND_CONNECT whose one-line message names the safe URL and the socket error.
 */
export async function openRedisBackendClient(spec: RedisConnectionSpec, shownUrl: string, role: string, logger: Logger): Promise<Redis> {
  // Commands of concurrent tasks issued in the same tick go out in one write; not for pub/sub. The
  // result store scripts are batched per turn already (ResultWriteBatch), so they go out at once:
  // auto-pipelining them would hold every result write for one more turn of the event loop.
  const client = createRedisClient(role === 'commands'
    ? { ...spec, options: { ...spec.options, enableAutoPipelining: true, autoPipeliningIgnoredCommands: [...DIRECT_COMMANDS] } }
    : spec);
  let lastError: Error | undefined;
  let lastLogged = '';
  client.on('error', (err: unknown) => {
    lastError = coerceError(err);
    // ioredis repeats the same error on every reconnect attempt: log each distinct one once.
    if (lastError.message !== lastLogged) {
      lastLogged = lastError.message;
      logger.warn({ err: lastError, role }, 'result backend connection error');
    }
  });
  client.on('ready', () => {
    if (lastLogged) logger.info({ role }, 'result backend connection restored');
    lastLogged = '';
  });
  try {
    await client.connect();
  } catch (thrown) {
    client.disconnect();
    const cause = lastError ?? thrown;
    const sentinel = spec.options.sentinels !== undefined && !isTlsError(cause) ? await probeSentinel(spec.options) : undefined;
    if (sentinel !== undefined) {
      throw new BackendError(sentinel.kind === 'tls' ? 'CELERIAC_BACKEND_TLS' : 'CELERIAC_BACKEND_CONNECT', `cannot connect to the result backend at ${shownUrl}: ${sentinel.text}`,
        { cause: sentinel.cause });
    }
    const why = isTlsError(cause) ? describeConnectError(cause, redisTlsHints(spec, 'redis_backend_use_ssl')) : coerceError(cause).message;
    throw new BackendError(isTlsError(cause) ? 'CELERIAC_BACKEND_TLS' : 'CELERIAC_BACKEND_CONNECT', `cannot connect to the result backend at ${shownUrl}: ${why}`, { cause });
  }
  return client;
}

/** Closes a client politely (QUIT) when it is connected, else drops it; never throws. */
export async function closeRedisBackendClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: the connection broke while quitting
    }
  }
  client.disconnect();
}

/** Wraps a failed command in BackendError CELERIAC_BACKEND_IO naming what was being done. */
export function backendIoError(what: string, thrown: unknown): BackendError {
  if (thrown instanceof BackendError) return thrown;
  const err = coerceError(thrown);
  return new BackendError('CELERIAC_BACKEND_IO', `result backend ${what} failed: ${err.message}`, { cause: err });
}
