import type { Options } from 'amqplib';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import { TransportError } from '../../errors/celeriac-error';
import { safeUrl } from '../safe-url';
import { amqpTlsOptions } from './amqp-tls-options';

/**
 * Settings of the AMQP transport, from Celery's `broker_transport_options` (snake_case, seconds).
 * Unknown keys are ignored, as kombu ignores options another transport uses.
 */
export const amqpTransportOptionsSchema = z.object({
  /** AMQP heartbeat in seconds (Celery's `broker_heartbeat`, default 120); 0 disables it. The URL's `?heartbeat=` wins. */
  broker_heartbeat: z.coerce.number().nonnegative().default(120),
  /** `x-max-priority` declared on task queues (Celery's `task_queue_max_priority`); unset = no priority queue. */
  max_priority: z.coerce.number().int().min(1).max(255).optional(),
  /** Seconds between reconnection attempts at most (the first retry comes after 1 s, doubling). */
  max_retry_interval_sec: z.coerce.number().positive().default(16),
  /**
   * Seconds a worker may hold a delivered ETA/countdown message unacked; a later ETA is re-published
   * through native delayed delivery and the original acked once the copy is confirmed. Short by default:
   * under a per-consumer QoS a held message takes a prefetch slot for as long as it waits. Keep it well
   * below RabbitMQ's consumer_timeout (30 min by default), which closes a channel holding a delivery longer.
   */
  eta_max_hold_sec: z.coerce.number().min(1).max(1500).default(1),
}).transform((o) => ({
  heartbeatSec: Math.round(o.broker_heartbeat), // AMQP negotiates whole seconds; Celery allows 120.0
  maxPriority: o.max_priority,
  maxRetryIntervalMs: o.max_retry_interval_sec * 1000,
  etaMaxHoldMs: o.eta_max_hold_sec * 1000,
}));

/** Parsed AMQP transport settings (camelCase, with units), and Celery's `broker_use_ssl` (see amqpTlsOptions). */
export type AmqpTransportOptions = z.output<typeof amqpTransportOptionsSchema> & { useSsl?: unknown };

/**
 * amqplib connect options for a kombu broker URL: `amqp://`, `amqps://` (TLS), `pyamqp://` (kombu's
 * py-amqp alias of amqp). Defaults as kombu: guest/guest, localhost, 5672 (5671 for amqps), vhost
 * `/`; the path is the vhost, `//` or empty meaning `/` (kombu's `amqp://host//`).
 */
export function parseAmqpUrl(url: string, heartbeatSec: number, tlsBySetting = false): Options.Connect {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportError('CELERIAC_TRANSPORT_BAD_URL', `bad AMQP URL ${safeUrl(url)}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'amqp' && scheme !== 'amqps' && scheme !== 'pyamqp') {
    throw new TransportError('CELERIAC_TRANSPORT_BAD_URL', `bad AMQP URL ${safeUrl(url)}: scheme ${scheme}`);
  }
  // broker_use_ssl makes amqp:// TLS too, on kombu's TLS port unless the URL gives one.
  const tls = scheme === 'amqps' || tlsBySetting;
  const path = parsed.pathname.replace(/^\//, '');
  const query = parsed.searchParams.get('heartbeat');
  return {
    protocol: tls ? 'amqps' : 'amqp',
    hostname: parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: parsed.port ? Number(parsed.port) : tls ? 5671 : 5672,
    username: parsed.username ? decodeURIComponent(parsed.username) : 'guest',
    password: parsed.password ? decodeURIComponent(parsed.password) : 'guest',
    vhost: path === '' ? '/' : decodeURIComponent(path),
    heartbeat: query !== null && query !== '' ? Number(query) : heartbeatSec,
  };
}

/** What amqplib's connect takes for a broker URL: the connect options, TLS socket options, and what to log once. */
export interface AmqpConnectSpec {
  connect: Options.Connect;
  socket?: ConnectionOptions;
  warnings: readonly string[];
}

/** The connect spec for `url` with `options` (heartbeat, `useSsl`); TLS files are read here. */
export function amqpConnectSpec(url: string, options: AmqpTransportOptions, readFile: (path: string) => Buffer = (p) => readFileSync(p)): AmqpConnectSpec {
  const plain = parseAmqpUrl(url, options.heartbeatSec);
  const scheme = brokerSchemeOf(url);
  const tls = amqpTlsOptions(scheme, String(plain.hostname), options.useSsl, `broker ${safeUrl(url)}`, readFile);
  if (tls === null) return { connect: plain, warnings: [] };
  return { connect: parseAmqpUrl(url, options.heartbeatSec, true), socket: tls.socket, warnings: tls.warnings };
}

function brokerSchemeOf(url: string): string {
  return (/^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1] ?? '').toLowerCase();
}
