import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { TransportError } from '../../errors/celeriac-error';

/** How the server's certificate is checked: Python's ssl.CERT_* (a client treats OPTIONAL as REQUIRED). */
export type RedisCertReqs = 'required' | 'optional' | 'none';

/** TLS for one Redis URL, as redis-py's SSLConnection would get it from kombu or Celery. */
export interface RedisTls {
  certReqs: RedisCertReqs;
  /** PEM bundle of the CAs to trust (`ssl_ca_certs`); none = Node's default CAs. */
  caCerts?: string;
  /** Client certificate and key files (`ssl_certfile`, `ssl_keyfile`). */
  certfile?: string;
  keyfile?: string;
  /** Check the certificate's name against the host (`ssl_check_hostname`, redis-py's default true). */
  checkHostname: boolean;
  /** What to log once (the settings Celery warns about). */
  warnings: readonly string[];
}

/** Who reads the URL: kombu's rules for a broker, Celery's Redis backend rules for a result store. */
export type RedisTlsRole = 'broker' | 'backend';

/** The ssl_* names redis-py takes (in a URL's query, `broker_use_ssl` or `redis_backend_use_ssl`). */
export const SSL_KEYS = ['ssl_cert_reqs', 'ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile', 'ssl_check_hostname'] as const;

const CERT_REQS: Record<string, RedisCertReqs> = {
  required: 'required', optional: 'optional', none: 'none', CERT_REQUIRED: 'required', CERT_OPTIONAL: 'optional', CERT_NONE: 'none',
  // Python's constants, as a config written from Python's values would carry them.
  2: 'required', 1: 'optional', 0: 'none',
};

const NOT_VERIFIED = 'the server\'s certificate is not verified: anyone on the path can read and change the traffic';

/**
 * Decides TLS for a Redis URL. Pure. Rules of the pinned Celery/kombu:
 * - broker (kombu): ssl_* parameters in the URL's query replace `useSsl` (`broker_use_ssl`) whole;
 *   `broker_use_ssl` turns TLS on for redis:// too; rediss:// with neither is TLS without verification,
 *   with a warning (kombu logs "defaulting to insecure SSL behaviour").
 * - backend (Celery): the URL's parameters override `redis_backend_use_ssl` key by key; ssl parameters
 *   on redis:// are an error, and rediss:// must say `ssl_cert_reqs` (Celery raises the same).
 * - sentinel:// (kombu's SentinelChannel, Celery's SentinelBackend): the setting alone gives TLS to
 *   the master (a backend's must say `ssl_cert_reqs`, as above); the URL takes no ssl_* parameters.
 *   TLS to the sentinels themselves is `sentinel_kwargs` (resolveSentinelKwargs).
 * - Without `ssl_cert_reqs`, an ssl dict verifies (redis-py's default `required`).
 * Returns null for a plain connection; throws TransportError CELERIAC_TRANSPORT_BAD_URL naming the
 * parameter for an unknown ssl_* name or value.
 */
export function resolveRedisTls(scheme: string, query: URLSearchParams, useSsl: unknown, role: RedisTlsRole, where: string): RedisTls | null {
  const fromUrl: Record<string, unknown> = {};
  for (const [key, value] of query) {
    if (!key.startsWith('ssl_')) continue;
    if (!(SSL_KEYS as readonly string[]).includes(key)) throw bad(where, `unknown parameter "${key}" (known: ${SSL_KEYS.join(', ')})`);
    fromUrl[key] = value;
  }
  const setting = role === 'broker' ? 'broker_use_ssl' : 'redis_backend_use_ssl';
  const fromSetting = readSetting(useSsl, setting, where);
  const urlHasSsl = Object.keys(fromUrl).length > 0;
  let chosen: Record<string, unknown> | null;
  if (scheme === 'sentinel') {
    if (urlHasSsl) throw bad(where, `a sentinel:// URL takes no ssl_* parameters: give TLS to the master in ${setting}, and to the sentinels in sentinel_kwargs`);
    chosen = fromSetting;
    if (chosen !== null && role === 'backend' && chosen.ssl_cert_reqs === undefined) {
      throw bad(where, 'a TLS result backend over sentinel:// must set ssl_cert_reqs (required, optional or none) in redis_backend_use_ssl, as Celery requires');
    }
  } else if (role === 'broker') {
    chosen = urlHasSsl ? fromUrl : fromSetting;
    if (chosen === null && scheme === 'rediss') return { certReqs: 'none', checkHostname: false, warnings: [`${where}: rediss:// without ssl_cert_reqs (nor ${setting}): ${NOT_VERIFIED}, as with kombu; add ?ssl_cert_reqs=required (and ssl_ca_certs=PATH for a private CA)`] };
  } else {
    if (scheme === 'redis' && (urlHasSsl || fromSetting !== null)) {
      throw bad(where, 'SSL parameters are given but the scheme is redis:// (Celery refuses this too); use rediss://');
    }
    chosen = scheme === 'rediss' ? { ...(fromSetting ?? {}), ...fromUrl } : null;
    if (chosen !== null && chosen.ssl_cert_reqs === undefined) {
      throw bad(where, 'a rediss:// result backend must set ssl_cert_reqs (required, optional or none), in the URL or in redis_backend_use_ssl, as Celery requires');
    }
  }
  if (chosen === null) return null;
  return buildRedisTls(chosen, where);
}

/**
 * ioredis' `tls` options for `tls` and the host it connects to (undefined: a host known only at
 * connect time, a sentinel's master, which Node then names and checks itself); `readFile` reads the PEM files.
 */
export function redisTlsOptions(tls: RedisTls, host: string | undefined, where: string, readFile: (path: string) => Buffer): ConnectionOptions {
  const verify = tls.certReqs !== 'none';
  const options: ConnectionOptions = { rejectUnauthorized: verify };
  // SNI carries names only (RFC 6066): Node warns when given an address.
  if (host !== undefined && isIP(host) === 0) options.servername = host;
  if (verify && !tls.checkHostname) options.checkServerIdentity = () => undefined;
  if (tls.certfile === undefined && tls.keyfile !== undefined) throw bad(where, 'ssl_keyfile is set without ssl_certfile');
  const read = (name: string, path: string): Buffer => {
    try {
      return readFile(path);
    } catch (err) {
      throw bad(where, `cannot read ${name} "${path}": ${(err as Error).message}`);
    }
  };
  if (tls.caCerts !== undefined) options.ca = read('ssl_ca_certs', tls.caCerts);
  if (tls.certfile !== undefined) options.cert = read('ssl_certfile', tls.certfile);
  // Python's certfile may hold the key too (ssl.load_cert_chain): then it is the key's file as well.
  if (tls.keyfile !== undefined) options.key = read('ssl_keyfile', tls.keyfile);
  else if (options.cert !== undefined) options.key = options.cert;
  return options;
}

function readSetting(value: unknown, setting: string, where: string): Record<string, unknown> | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(where, `${setting} must be true, false or an object of ${SSL_KEYS.join(', ')}`);
  for (const key of Object.keys(value)) {
    if (!(SSL_KEYS as readonly string[]).includes(key)) throw bad(where, `${setting}: unknown key "${key}" (a Redis URL takes ${SSL_KEYS.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** An object of redis-py's ssl_* keys (already checked for unknown names) as RedisTls; throws naming a bad value. */
export function buildRedisTls(ssl: Record<string, unknown>, where: string): RedisTls {
  const rawReqs = ssl.ssl_cert_reqs;
  const certReqs = rawReqs === undefined ? 'required' : CERT_REQS[String(rawReqs)];
  if (certReqs === undefined) throw bad(where, `ssl_cert_reqs "${String(rawReqs)}" is not one of required, optional, none (or CERT_REQUIRED, CERT_OPTIONAL, CERT_NONE)`);
  const text = (key: string): string | undefined => {
    const v = ssl[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw bad(where, `${key} must be a file path, got ${JSON.stringify(v)}`);
    return v;
  };
  const rawCheck = ssl.ssl_check_hostname;
  // kombu's URL rule: anything but "false" is true.
  const checkHostname = rawCheck === undefined || rawCheck === null ? true : typeof rawCheck === 'boolean' ? rawCheck : String(rawCheck).toLowerCase() !== 'false';
  const warnings: string[] = [];
  if (certReqs === 'none') warnings.push(`${where}: ssl_cert_reqs=none: ${NOT_VERIFIED}`);
  const caCerts = text('ssl_ca_certs');
  const certfile = text('ssl_certfile');
  const keyfile = text('ssl_keyfile');
  return { certReqs, checkHostname, warnings, ...(caCerts ? { caCerts } : {}), ...(certfile ? { certfile } : {}), ...(keyfile ? { keyfile } : {}) };
}

function bad(where: string, why: string): TransportError {
  return new TransportError('CELERIAC_TRANSPORT_BAD_URL', `${where}: ${why}`);
}
