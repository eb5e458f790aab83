import Redis, { type RedisOptions } from 'ioredis';
import { TransportError } from '../../errors/celeriac-error';
import { readFileSync } from 'node:fs';
import { safeUrl } from '../safe-url';
import { redisTlsOptions, resolveRedisTls, type RedisTlsRole } from './resolve-redis-tls';
import { resolveSentinelKwargs } from './resolve-sentinel-kwargs';

/** What a Redis URL (in kombu's dialects) resolves to. */
export interface RedisConnectionSpec {
  /** ioredis options: host/port or path or sentinels, auth, TLS, db. */
  options: RedisOptions;
  /** Database number (from the URL path or `virtual_host`). */
  db: number;
  /** To log once when connecting (TLS without verification). */
  warnings?: readonly string[];
}

/** Extra settings a URL cannot carry (kombu transport options of the same names). */
export interface RedisConnectionOptions {
  /** Sentinel master name (kombu `master_name`); required for `sentinel://`. */
  masterName?: string;
  /** Socket connect timeout. */
  connectTimeoutMs?: number;
  /** Client name shown by CLIENT LIST. */
  clientName?: string;
  /** Celery's `broker_use_ssl` (role broker) or `redis_backend_use_ssl` (role backend): true, false or an ssl_* object. */
  useSsl?: unknown;
  /** Whose rules decide TLS (resolveRedisTls): kombu's for a broker (the default), Celery's for a result backend. */
  sslRole?: RedisTlsRole;
  /** The `sentinel_kwargs` transport option: how to connect to the sentinels (resolveSentinelKwargs). */
  sentinelKwargs?: unknown;
  /** Reads the PEM files the TLS parameters name (tests pass their own). */
  readFile?: (path: string) => Buffer;
}

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://...[?ssl_cert_reqs=required|optional|none&ssl_ca_certs=PATH...]`
 * (TLS: resolveRedisTls),
 * `redis+socket:///path?virtual_host=db` (and `unix://`), and `sentinel://h1:26379;sentinel://h2:26379[/db]`,
 * with kombu's rules: db from the path, `/` or empty = 0, anything else is an error naming the URL part.
 */
export function parseRedisUrl(url: string, extra: RedisConnectionOptions = {}): RedisConnectionSpec {
  const scheme = /^([a-z+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) throw bad(url, 'it has no scheme (expected redis://, rediss://, redis+socket:// or sentinel://)');
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: extra.connectTimeoutMs ?? 10000,
    maxRetriesPerRequest: null,
    ...(extra.clientName ? { connectionName: extra.clientName } : {}),
  };
  if ((scheme === 'redis+socket' || scheme === 'unix') && extra.useSsl !== undefined && extra.useSsl !== null && extra.useSsl !== false) {
    throw bad(url, `TLS (${extra.sslRole === 'backend' ? 'redis_backend_use_ssl' : 'broker_use_ssl'}) is not supported over ${scheme}:// by celeriac`);
  }
  if (scheme === 'redis+socket' || scheme === 'unix') {
    const u = new URL(url.replace(/^[a-z+]+:/i, 'http:'));
    const db = parseDb(url, u.searchParams.get('virtual_host') ?? u.searchParams.get('db') ?? '');
    return { db, options: { ...base, path: decodeURIComponent(u.pathname), db, ...auth(u) } };
  }
  if (scheme === 'sentinel') {
    const parts = url.split(';').map((p) => p.trim()).filter(Boolean);
    const sentinels = parts.map((p) => {
      const u = new URL(p.replace(/^sentinel:/i, 'http:'));
      return { host: u.hostname, port: u.port ? Number(u.port) : 26379 };
    });
    const first = new URL((parts[0] ?? url).replace(/^sentinel:/i, 'http:'));
    if (!extra.masterName) throw bad(url, 'sentinel:// needs the transport option master_name');
    const db = parseDb(url, first.pathname);
    const where = `${extra.sslRole === 'backend' ? 'result backend' : 'broker'} ${safeUrl(url)}`;
    const read = extra.readFile ?? ((path: string) => readFileSync(path));
    const tls = resolveRedisTls(scheme, first.searchParams, extra.useSsl, extra.sslRole ?? 'broker', where);
    const toSentinels = resolveSentinelKwargs(extra.sentinelKwargs, where, read);
    // The URL's user and password are the master's; the sentinels get only sentinel_kwargs, as in kombu
    // and Celery (redis-py's Sentinel). Sending a sentinel without a password one makes ioredis warn on the console.
    const options: RedisOptions = { ...base, sentinels, name: extra.masterName, db, ...auth(first), ...toSentinels.options,
      // Follow a failover at once: watch the sentinels' +switch-master, and reconnect (resending the
      // command, which a replica refused unexecuted) when a demoted master answers READONLY.
      failoverDetector: true,
      reconnectOnError: (err: Error) => (/^READONLY\b/.test(err.message) ? 2 : false) };
    // The master's address comes from a sentinel at connect time: Node names and checks it then.
    if (tls !== null) Object.assign(options, { tls: redisTlsOptions(tls, undefined, where, read), enableTLSForSentinelMode: true });
    return { db, options, warnings: [...(tls?.warnings ?? []), ...toSentinels.warnings] };
  }
  if (scheme !== 'redis' && scheme !== 'rediss') throw bad(url, `scheme "${scheme}" is not a Redis scheme`);
  const u = new URL(url.replace(/^rediss?:/i, 'http:'));
  const db = parseDb(url, u.pathname);
  const host = u.hostname || 'localhost';
  const options: RedisOptions = { ...base, host, port: u.port ? Number(u.port) : 6379, db, ...auth(u) };
  const where = `${extra.sslRole === 'backend' ? 'result backend' : 'broker'} ${safeUrl(url)}`;
  const tls = resolveRedisTls(scheme, u.searchParams, extra.useSsl, extra.sslRole ?? 'broker', where);
  if (tls === null) return { db, options };
  options.tls = redisTlsOptions(tls, host, where, extra.readFile ?? ((path) => readFileSync(path)));
  return { db, options, warnings: tls.warnings };
}

/** Creates an ioredis client (not yet connected: call `connect()`) for a parsed URL. */
export function createRedisClient(spec: RedisConnectionSpec): Redis {
  return new Redis({ ...spec.options });
}

function auth(u: URL): Pick<RedisOptions, 'username' | 'password'> {
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

function parseDb(url: string, raw: string): number {
  const text = raw.replace(/^\//, '');
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) throw bad(url, `database "${text}" is not an integer`);
  return Number(text);
}

function bad(url: string, why: string): TransportError {
  return new TransportError('CELERIAC_TRANSPORT_BAD_URL', `bad Redis URL ${safeUrl(url)}: ${why}`);
}
