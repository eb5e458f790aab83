import type { RedisOptions } from 'ioredis';
import { TransportError } from '../../errors/celeriac-error';
import { buildRedisTls, redisTlsOptions, SSL_KEYS } from './resolve-redis-tls';

/** What `sentinel_kwargs` gives the connections to the sentinels, in ioredis' names. */
export interface SentinelConnection {
  options: Pick<RedisOptions, 'sentinelTLS' | 'sentinelPassword' | 'sentinelUsername' | 'sentinelCommandTimeout'>;
  /** To log once when connecting (a sentinel certificate not verified). */
  warnings: readonly string[];
}

const KEYS = ['ssl', ...SSL_KEYS, 'password', 'username', 'socket_timeout'] as const;

/**
 * The `sentinel_kwargs` transport option (kombu `broker_transport_options`, Celery
 * `result_backend_transport_options`): the keyword arguments redis-py's Sentinel passes to each
 * connection to a sentinel. `ssl: true` with redis-py's ssl_* keys (verifying by default, as redis-py
 * does) is TLS to the sentinels; `password` / `username` authenticate to them; `socket_timeout`
 * (seconds) bounds each command. Pure but for reading the PEM files. Throws TransportError
 * CELERIAC_TRANSPORT_BAD_URL naming the key for anything else, and for ssl_* keys without `ssl: true`
 * (redis-py would ignore them and connect in plain text).
 */
export function resolveSentinelKwargs(value: unknown, where: string, readFile: (path: string) => Buffer): SentinelConnection {
  if (value === undefined || value === null) return { options: {}, warnings: [] };
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(where, `sentinel_kwargs must be an object of ${KEYS.join(', ')}`);
  const kwargs = value as Record<string, unknown>;
  for (const key of Object.keys(kwargs)) {
    if (!(KEYS as readonly string[]).includes(key)) throw bad(where, `sentinel_kwargs: unknown key "${key}" (celeriac takes ${KEYS.join(', ')})`);
  }
  const options: SentinelConnection['options'] = {};
  const text = (key: 'password' | 'username'): string | undefined => {
    const v = kwargs[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw bad(where, `sentinel_kwargs.${key} must be a string`);
    return v;
  };
  const password = text('password');
  const username = text('username');
  if (password !== undefined) options.sentinelPassword = password;
  if (username !== undefined) options.sentinelUsername = username;
  const timeout = kwargs.socket_timeout;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !(timeout > 0)) throw bad(where, `sentinel_kwargs.socket_timeout must be a positive number of seconds, got ${JSON.stringify(timeout)}`);
    options.sentinelCommandTimeout = Math.ceil(timeout * 1000);
  }
  const ssl = kwargs.ssl ?? false;
  if (typeof ssl !== 'boolean') throw bad(where, `sentinel_kwargs.ssl must be true or false, got ${JSON.stringify(ssl)}`);
  const sslKeys = SSL_KEYS.filter((k) => kwargs[k] !== undefined);
  if (!ssl) {
    if (sslKeys.length > 0) throw bad(where, `sentinel_kwargs has ${sslKeys.join(', ')} but not ssl: true (redis-py would ignore them and connect in plain text)`);
    return { options, warnings: [] };
  }
  const tls = buildRedisTls(Object.fromEntries(sslKeys.map((k) => [k, kwargs[k]])), `${where} sentinel_kwargs`);
  options.sentinelTLS = redisTlsOptions(tls, undefined, `${where} sentinel_kwargs`, readFile);
  return { options, warnings: tls.warnings };
}

function bad(where: string, why: string): TransportError {
  return new TransportError('CELERIAC_TRANSPORT_BAD_URL', `${where}: ${why}`);
}
