import { pyFloat } from '../../../protocol/events/python-float';
import { safeUrl } from '../../../transport/safe-url';

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
  const isSocket = scheme === 'socket' || scheme === 'unix' || scheme === 'redis+socket';
  const db = url && !isSocket ? url.pathname.replace(/^\//, '') : '';
  return {
    hostname: url ? (isSocket ? url.pathname : url.hostname || 'localhost') : 'localhost',
    userid: url && url.username !== '' ? decodeURIComponent(url.username) : null,
    virtual_host: db === '' ? '/' : db,
    port: url && url.port !== '' ? Number(url.port) : isSocket ? null : 6379,
    insist: false,
    ssl: scheme === 'rediss',
    transport: scheme === 'rediss' ? 'rediss' : scheme.startsWith('sentinel') ? 'sentinel' : 'redis',
    connect_timeout: 4,
    transport_options: redactSecrets(transportOptions),
    login_method: null,
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
