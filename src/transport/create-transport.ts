import type { Logger } from 'pino';
import { ConfigError, TransportError } from '../errors/celeriac-error';
import type { QueueTableSettings } from './amqp/amqp-queue-table';
import { createAmqpTransport } from './amqp/amqp-transport';
import { amqpTransportOptionsSchema } from './amqp/amqp-transport-options';
import { MemoryTransport } from './memory/memory-transport';
import { createRedisTransport } from './redis/redis-transport';
import { parseRedisTransportOptions } from './redis/redis-transport-options';
import { safeUrl } from './safe-url';
import type { Transport } from './transport';

/** URL schemes of Redis brokers (kombu's redis, rediss, redis+socket and sentinel transports). */
export const REDIS_SCHEMES: ReadonlySet<string> = new Set(['redis', 'rediss', 'redis+socket', 'unix', 'sentinel']);

/** The lower-cased scheme of a broker URL, undefined when it has none. */
export function brokerScheme(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
}

/** What a consuming transport refuses before decoding, and where it keeps what it refused (worker settings). */
export interface RefusalPolicy {
  /** `worker_poison_queue` ('' = drop refused messages). */
  poisonQueue: string;
  /** `worker_max_message_bytes`: largest task body accepted. */
  maxMessageBytes: number;
}

/**
 * The transport for a broker URL, chosen by scheme: redis/rediss/redis+socket/unix/sentinel → Redis
 * (kombu layout), amqp/amqps/pyamqp → RabbitMQ (AMQP 0-9-1), memory:// → in-memory. `options` is Celery's `broker_transport_options` (snake_case);
 * `settings`: Celery's queue settings (`task_queues`, `task_default_queue_type`, ...), which only RabbitMQ declarations use,
 * and `broker_use_ssl` (TLS: resolveRedisTls for Redis, amqpTlsOptions for RabbitMQ).
 * Does not connect: call `connect()`.
 */
export function createTransport(url: string, options: Record<string, unknown>, logger: Logger, refusals?: RefusalPolicy,
  settings?: QueueTableSettings & { broker_use_ssl?: unknown }): Transport {
  const scheme = brokerScheme(url);
  if (scheme !== undefined && REDIS_SCHEMES.has(scheme)) {
    return createRedisTransport(url, { ...parseRedisTransportOptions(options), ...(refusals ? redisRefusalOptions(refusals) : {}),
      useSsl: settings?.broker_use_ssl }, logger);
  }
  if (scheme === 'memory') return new MemoryTransport();
  if (scheme === 'amqp' || scheme === 'amqps' || scheme === 'pyamqp') {
    const parsed = amqpTransportOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => `broker_transport_options.${i.path.join('.')}: ${i.message}`));
    }
    return createAmqpTransport(url, { ...parsed.data, useSsl: settings?.broker_use_ssl }, logger, settings);
  }
  throw new TransportError('CELERIAC_TRANSPORT_UNSUPPORTED',
    `broker ${safeUrl(url)}: ${scheme ? `scheme "${scheme}" is not supported` : 'no scheme'} (expected redis://, rediss://, redis+socket://, sentinel://, amqp://, amqps://, pyamqp:// or memory://)`);
}

/**
 * The pop script checks the raw element, a base64 body inside a JSON envelope: allow the body limit
 * at 4/3 (base64) plus 64 KiB of headers before refusing it unread.
 */
function redisRefusalOptions(refusals: RefusalPolicy): { poisonQueue: string; maxElementBytes: number } {
  return { poisonQueue: refusals.poisonQueue, maxElementBytes: Math.ceil((refusals.maxMessageBytes * 4) / 3) + 65536 };
}
