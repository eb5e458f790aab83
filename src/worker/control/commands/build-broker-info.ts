import { pyFloat } from '../../../protocol/events/python-float';
import { safeUrl } from '../../../transport/safe-url';

/** kombu's `Connection.info()` for AMQP URLs: transport alias, default port, TLS (checked against kombu 5.6.2). */
const AMQP_SCHEMES = new Map([
  ['amqp', { transport: 'amqp', port: 5672, ssl: false }],
  ['pyamqp', { transport: 'amqp', port: 5672, ssl: false }],
  ['amqps', { transport: 'amqps', port: 5671, ssl: true }],
]);

/**
 * `stats.broker` as kombu's `Connection.info()` shapes it, from the broker URL, never with the
 * password (Flower renders this dict on the worker page).
 */
export function buildBrokerInfo(brokerUrl: string, transportOptions: Record<string, unknown>): Record<string, unknown> {
  const first = brokerUrl.split(';')[0] ?? brokerUrl;
  let url: URL | null = null;
  try {
    url = new URL(first);
  } catch {
    url = null;
  }
  const scheme = url ? url.protocol.replace(/:$/, '') : 'redis';
  const amqp = AMQP_SCHEMES.get(scheme);
  const isSocket = scheme === 'socket' || scheme === 'unix' || scheme === 'redis+socket';
  const db = url && !isSocket ? decodeURIComponent(url.pathname.replace(/^\//, '')) : '';
  const userid = url && url.username !== '' ? decodeURIComponent(url.username) : amqp ? 'guest' : null;
  return {
    hostname: url ? (isSocket ? url.pathname : url.hostname || 'localhost') : 'localhost',
    userid,
    virtual_host: db === '' ? '/' : db,
    port: url && url.port !== '' ? Number(url.port) : amqp ? amqp.port : isSocket ? null : 6379,
    insist: false,
    ssl: scheme === 'rediss' || amqp?.ssl === true,
    transport: amqp ? amqp.transport : scheme === 'rediss' ? 'rediss' : scheme.startsWith('sentinel') ? 'sentinel' : 'redis',
    connect_timeout: 4,
    transport_options: redactSecrets(transportOptions),
    login_method: amqp ? 'PLAIN' : null,
    uri_prefix: null,
    heartbeat: pyFloat(120),
    failover_strategy: 'round-robin',
    alternates: brokerUrl.split(';').slice(1).map(safeUrl),
    credential_provider: null,
  };
}

/** Copy of an options map with every `*password*` / `*secret*` value replaced by `***`. */
export function redactSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (/password|secret|token/i.test(key)) out[key] = '***';
    else if (item !== null && typeof item === 'object' && !Array.isArray(item)) out[key] = redactSecrets(item as Record<string, unknown>);
    else out[key] = item;
  }
  return out;
}
