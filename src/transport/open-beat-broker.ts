import pino, { type Logger } from 'pino';
import type { BeatBroker } from '../beat/beat-state-store';
import { ConfigError, TransportError } from '../errors/celeriac-error';
import { openAmqpBeatBroker } from './amqp/amqp-beat-broker';
import type { QueueTableSettings } from './amqp/amqp-queue-table';
import { amqpTransportOptionsSchema } from './amqp/amqp-transport-options';
import { brokerScheme, REDIS_SCHEMES } from './create-transport';
import { openRedisBeatBroker } from './redis/open-redis-beat-broker';
import { parseRedisTransportOptions } from './redis/redis-transport-options';
import { safeUrl } from './safe-url';

/** Schemes of RabbitMQ brokers, as `createTransport` reads them. */
const AMQP_SCHEMES: ReadonlySet<string> = new Set(['amqp', 'amqps', 'pyamqp']);

/** Where beat keeps what the broker cannot hold (RabbitMQ): the result backend, else a local file. */
export interface BeatBrokerSettings {
  leaseMs: number;
  keyPrefix?: string;
  /** Celery's `result_backend`: a Redis one holds the lease and run record of a beat on RabbitMQ. */
  resultBackendUrl?: string;
  /** Celery's `beat_schedule_filename`: a beat on RabbitMQ without a Redis backend keeps its runs there. */
  stateFile?: string;
  /** Celery's queue settings (`task_queues`, `task_default_queue_type`, ...): RabbitMQ declares the queues beat sends to with them. */
  queueSettings?: QueueTableSettings;
  logger?: Logger;
  /** Celery's `broker_use_ssl` (a Redis broker) and `redis_backend_use_ssl` (the Redis backend of a RabbitMQ beat). */
  brokerUseSsl?: unknown;
  backendUseSsl?: Record<string, unknown>;
}

/**
 * Beat's lease and run record for the broker of `url`, chosen by scheme as `createTransport` chooses
 * the transport. `options` is Celery's `broker_transport_options` (snake_case). On Redis, lease check,
 * record and publish run as one script on the broker; on RabbitMQ the record is taken from the Redis
 * result backend when there is one, else from a local state file (one beat), and runs are published
 * with confirms (openAmqpBeatBroker). Does not connect: call `connect()`.
 */
export function openBeatBroker(url: string, options: Record<string, unknown>, beat: BeatBrokerSettings): BeatBroker {
  const scheme = brokerScheme(url);
  if (scheme !== undefined && REDIS_SCHEMES.has(scheme)) {
    return openRedisBeatBroker(url, parseRedisTransportOptions(options), { ...beat, useSsl: beat.brokerUseSsl });
  }
  if (scheme !== undefined && AMQP_SCHEMES.has(scheme)) {
    const parsed = amqpTransportOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => `broker_transport_options.${i.path.join('.')}: ${i.message}`));
    }
    const backend = beat.resultBackendUrl;
    const backendScheme = backend === undefined ? undefined : brokerScheme(backend);
    const redisUrl = backendScheme !== undefined && REDIS_SCHEMES.has(backendScheme) && backendScheme !== 'sentinel' ? backend : undefined;
    return openAmqpBeatBroker(url, { ...parsed.data, useSsl: beat.brokerUseSsl }, { leaseMs: beat.leaseMs, stateFile: beat.stateFile ?? DEFAULT_BEAT_STATE_FILE,
      logger: beat.logger ?? pino({ level: 'silent' }), queueSettings: beat.queueSettings ?? {}, ...(beat.keyPrefix ? { keyPrefix: beat.keyPrefix } : {}), ...(redisUrl ? { redisUrl } : {}),
      ...(beat.backendUseSsl ? { redisUseSsl: beat.backendUseSsl } : {}) });
  }
  throw new TransportError('CELERIAC_BEAT_BROKER_UNSUPPORTED',
    `beat cannot run on broker ${safeUrl(url)}: it runs on Redis (redis://, rediss://, sentinel://) and RabbitMQ (amqp://, amqps://, pyamqp://) brokers; ${scheme ? `"${scheme}" is not supported` : 'the URL has no scheme'}`);
}

/** Default state file of a beat on RabbitMQ without a Redis backend (Celery's is `celerybeat-schedule`, a shelve). */
export const DEFAULT_BEAT_STATE_FILE = 'celeriac-beat-schedule.json';
