import Redis, { type RedisOptions } from 'ioredis';
import { describeTlsError, isTlsError } from '../tls-error';

/** Why the first sentinel of a URL cannot be used, in one line that says what to fix. */
export interface SentinelProbe {
  kind: 'tls' | 'auth' | 'plain-to-tls';
  text: string;
  cause: unknown;
}

/**
 * ioredis reports a sentinel it could not use as "All sentinels are unreachable ... Connection is
 * closed", whatever the reason. After such a failure this connects to the first sentinel alone, with
 * the same name, password and TLS, and PINGs it, to learn the reason: a TLS handshake failure, a
 * refused password, or a plain connection that a TLS-only sentinel closed. Returns undefined when the
 * sentinel answers (the failure is elsewhere) or fails for another reason (the caller's message stands).
 */
export async function probeSentinel(options: RedisOptions): Promise<SentinelProbe | undefined> {
  const first = options.sentinels?.[0];
  if (first === undefined) return undefined;
  const where = `sentinel ${first.host ?? 'localhost'}:${String(first.port ?? 26379)}`;
  const client = new Redis({
    host: first.host ?? 'localhost', port: first.port ?? 26379,
    ...(options.sentinelUsername ? { username: options.sentinelUsername } : {}),
    ...(options.sentinelPassword ? { password: options.sentinelPassword } : {}),
    ...(options.sentinelTLS ? { tls: options.sentinelTLS } : {}),
    connectTimeout: options.connectTimeout ?? 10_000, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false,
  });
  let error: unknown;
  client.on('error', (err: unknown) => { error ??= err; });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (err) {
    error ??= err;
  } finally {
    client.disconnect();
  }
  if (isTlsError(error)) {
    return { kind: 'tls', cause: error,
      text: `${where}: ${describeTlsError(error, { ca: 'ssl_ca_certs in sentinel_kwargs', clientCert: 'ssl_certfile and ssl_keyfile in sentinel_kwargs' })}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  const reply = message.split('\n')[0] ?? '';
  if (options.sentinelPassword === undefined && /^NOAUTH\b/i.test(message)) {
    return { kind: 'auth', cause: error, text: `${where} requires a password (${reply}): give it as password in sentinel_kwargs (the URL's password is the master's)` };
  }
  if (/^(NOAUTH|WRONGPASS)\b|invalid password|invalid username-password/i.test(message)) {
    return { kind: 'auth', cause: error, text: `${where} refused the password in sentinel_kwargs (${reply}); check it` };
  }
  if (options.sentinelTLS === undefined && /Connection is closed|ECONNRESET|socket hang up/i.test(message)) {
    return { kind: 'plain-to-tls', cause: error,
      text: `${where} closed the connection without answering (a sentinel that speaks only TLS does this to a plain client: set ssl: true in sentinel_kwargs)` };
  }
  return undefined;
}
