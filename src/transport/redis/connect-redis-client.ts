import Redis from 'ioredis';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import { safeUrl } from '../safe-url';
import { describeTlsError, isTlsError, type TlsSettingNames } from '../tls-error';
import { probeSentinel } from './probe-sentinel';
import type { RedisConnectionSpec } from './redis-connection';

/**
 * Connects one ioredis client. The first connection fails fast with a one-line TransportError
 * (`cannot connect to Redis at redis://host:6379/1: connection refused`); once connected, the client
 * reconnects by itself (commands wait meanwhile) and each outage is logged once, never thrown as an
 * unhandled 'error' event.
 */
export async function connectRedisClient(spec: RedisConnectionSpec, url: string, role: string, logger: Logger): Promise<Redis> {
  let ready = false;
  let down = false;
  let lastError: unknown;
  const client = new Redis({
    ...spec.options,
    lazyConnect: true,
    retryStrategy: (times: number) => (ready ? Math.min(times * 200, 2000) : null),
    sentinelRetryStrategy: (times: number) => (ready ? Math.min(times * 200, 2000) : null),
    // Commands issued in the same tick (acks, pops, publishes of many tasks) go out in one write. Only
    // for the command connection: blocking and pub/sub connections keep one command at a time.
    enableAutoPipelining: role === 'command',
    // Script calls there are batched by their callers already (one ack call per turn): auto-pipelining
    // them would hold each for one more turn of the event loop.
    autoPipeliningIgnoredCommands: ['evalsha'],
  });
  let authError: unknown;
  client.on('error', (err: unknown) => {
    lastError = err;
    // The AUTH reply (WRONGPASS) comes first; the ready check's NOAUTH that follows must not hide it.
    if (authError === undefined && isAuthError(err)) authError = err;
  });
  client.on('reconnecting', () => {
    if (down) return;
    down = true;
    logger.warn({ err: lastError === undefined ? undefined : coerceError(lastError), url: safeUrl(url), role }, 'broker connection lost; reconnecting');
  });
  client.on('ready', () => {
    if (down) logger.info({ url: safeUrl(url), role }, 'broker connection restored');
    down = false;
  });
  try {
    await client.connect();
    ready = true;
    return client;
  } catch (err) {
    client.disconnect();
    const cause = authError ?? lastError ?? err;
    // A refused password may be a sentinel's (sentinel_kwargs) or the master's (the URL): the probe tells them apart.
    const sentinel = spec.options.sentinels !== undefined && !isTlsError(cause) ? await probeSentinel(spec.options) : undefined;
    if (sentinel !== undefined) {
      const code = sentinel.kind === 'tls' ? 'CELERIAC_TRANSPORT_TLS' : sentinel.kind === 'auth' ? 'CELERIAC_TRANSPORT_AUTH' : 'CELERIAC_TRANSPORT_UNREACHABLE';
      throw new TransportError(code, `cannot connect to Redis at ${safeUrl(url)}: ${sentinel.text}`, { cause: sentinel.cause });
    }
    // A refused password or certificate does not heal by retrying: its own code, so startup retries stop at once.
    const code = isAuthError(cause) ? 'CELERIAC_TRANSPORT_AUTH' : isTlsError(cause) ? 'CELERIAC_TRANSPORT_TLS' : 'CELERIAC_TRANSPORT_UNREACHABLE';
    throw new TransportError(code, `cannot connect to Redis at ${safeUrl(url)}: ${describeConnectError(cause, redisTlsHints(spec, 'broker_use_ssl'))}`, { cause });
  }
}

/** Closes a client politely (QUIT), or drops the socket when the server is gone. Never throws. */
export async function quitRedisClient(client: Redis): Promise<void> {
  if (hasEnded(client)) return;
  try {
    await Promise.race([client.quit(), new Promise((_, reject) => { setTimeout(() => reject(new Error('quit timed out')), 1000).unref(); })]);
  } catch {
    // A quit that failed because the connection ended meanwhile needs nothing more: disconnect() on an
    // ended client only arms ioredis' 2 s destroy timer, which keeps the process (and jest) alive.
    if (!hasEnded(client)) client.disconnect();
  }
}

/** A function, not an inline test: the status changes across the await, which TypeScript's narrowing does not see. */
function hasEnded(client: Redis): boolean {
  return client.status === 'end';
}

/**
 * True for Redis' authentication refusals: `NOAUTH` (a password is required and none was sent),
 * `WRONGPASS` (Redis 6+ ACL) and `ERR invalid password` (Redis 5 and older). Looks along `cause`.
 */
export function isAuthError(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /^(NOAUTH|WRONGPASS)\b|\binvalid password\b|\binvalid username-password\b/i.test(message)) return true;
  }
  return false;
}

/** Where a Redis URL's TLS is set, as connect errors name it. */
export interface RedisTlsHints extends TlsSettingNames {
  /** What to do when a TLS-only server resets a plain connection. */
  useTls: string;
}

const URL_HINTS: RedisTlsHints = { ca: 'ssl_ca_certs=PATH', clientCert: 'ssl_certfile and ssl_keyfile', useTls: 'then use rediss://' };

/** The hints for `spec`: a sentinel:// URL takes TLS from `setting` (broker_use_ssl, redis_backend_use_ssl), not from its query. */
export function redisTlsHints(spec: RedisConnectionSpec, setting: string): RedisTlsHints {
  if (spec.options.sentinels === undefined) return URL_HINTS;
  return { ca: `ssl_ca_certs in ${setting}`, clientCert: `ssl_certfile and ssl_keyfile in ${setting}`, useTls: `then set ${setting}` };
}

/** Short human text for a socket/auth error (errors may come from another realm: no instanceof). */
export function describeConnectError(err: unknown, hints: RedisTlsHints = URL_HINTS): string {
  const { code, message } = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { code?: unknown; message?: unknown };
  if (typeof message === 'string' && /^NOAUTH\b/i.test(message)) {
    return 'the server requires a password and the URL gives none (NOAUTH); put it in the URL as redis://:PASSWORD@host:port/db';
  }
  if (isAuthError(err)) return 'the server refused the password (or user name) in the URL (WRONGPASS); check the password';
  if (isTlsError(err)) return describeTlsError(err, hints);
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'host not found';
    case 'ETIMEDOUT': return 'connection timed out';
    case 'ENOENT': return 'no such socket file';
    case 'EACCES': return 'permission denied';
    case 'ECONNRESET': return `connection reset (a server that speaks only TLS does this to a plain client: ${hints.useTls})`;
    default: return (typeof message === 'string' && message ? message : String(code ?? 'unknown error')).split('\n')[0] as string;
  }
}
