import { z } from 'zod';
import { ConfigError } from '../../errors/celeriac-error';

/**
 * Settings of the kombu-compatible Redis transport: Celery's `broker_transport_options` in
 * camelCase with units. Every value must equal the Python side's, or the two disagree on keys.
 */
export interface RedisTransportOptions {
  /** Seconds an unacked delivery may stay unsettled before any worker restores it (`visibility_timeout`). */
  visibilityTimeoutSec: number;
  /** Priority buckets, ascending (`priority_steps`). */
  prioritySteps: readonly number[];
  /** Separator inside priority keys and binding members (`sep`). */
  sep: string;
  /** Prefix on every key and channel (`global_keyprefix`). */
  globalKeyprefix: string;
  /** Fanout channel prefix: true = `/<db>.`, false = none, a string = that string (`fanout_prefix`). */
  fanoutPrefix: boolean | string;
  /** Append `/<routing key>` to fanout channels (`fanout_patterns`). */
  fanoutPatterns: boolean;
  /** Hash of unacked deliveries (`unacked_key`). */
  unackedKey: string;
  /** Sorted set of delivery times (`unacked_index_key`). */
  unackedIndexKey: string;
  /** Lock key of the restore sweep (`unacked_mutex_key`). */
  unackedMutexKey: string;
  /** Lifetime of the sweep lock (`unacked_mutex_expire`). */
  unackedMutexExpireSec: number;
  /**
   * Seconds between visibility sweeps. kombu calls restore_visible every `unacked_restore_interval`
   * (10 s) but scans only on every `unacked_restore_throttle`-th call (10), so 100 s is its real period.
   * Unset, ours is min(100 s, visibility_timeout / 4): see defaultSweepIntervalSec.
   */
  unackedRestoreIntervalSec: number;
  /** At most this many tags restored per sweep; null = all (`unacked_restore_limit`). */
  unackedRestoreLimit: number | null;
  /**
   * Seconds each idle key watcher blocks before it re-arms (`polling_interval`, kombu's BRPOP
   * timeout). A message on any key wakes the consumer at once; this only bounds how often an idle
   * worker re-checks every key as a safety net. Default 1, as kombu.
   */
  pollingIntervalSec: number;
  /**
   * Largest list element the pop script records, in bytes (0 = any); bigger ones move to the poison
   * queue without being decoded or even read into the worker. Not a kombu option: the worker sets it
   * from `worker_max_message_bytes`.
   */
  maxElementBytes: number;
  /** Queue that undecodable or oversized elements move to ('' = drop them); the worker's `worker_poison_queue`. */
  poisonQueue: string;
  /**
   * Whether an idle consumer queues a pop behind each key watcher (one round trip per wake instead of
   * two; see RedisKeyWatchers). 'auto': when the broker's PING round trip (the fastest of 10 as the
   * consumer starts) is at least QUEUED_POPS_MIN_RTT_MS; on loopback the saved hop is worth less than the pop
   * Redis then runs before it answers the producer's LPUSH. Not a kombu option (`queued_pops`).
   */
  queuedPops: boolean | 'auto';
  /** Sentinel master name (`master_name`). */
  masterName?: string;
  /** How to connect to the sentinels (`sentinel_kwargs`): see resolveSentinelKwargs. */
  sentinelKwargs?: Record<string, unknown>;
  /** Socket connect timeout (`socket_connect_timeout`, seconds in Celery). */
  connectTimeoutMs: number;
  /** Celery's `broker_use_ssl` (not a transport option): see resolveRedisTls. */
  useSsl?: unknown;
}

/** Defaults, as kombu's Redis Channel has them (except where documented on the field). */
export const defaultRedisTransportOptions: RedisTransportOptions = {
  visibilityTimeoutSec: 3600,
  prioritySteps: [0, 3, 6, 9],
  sep: '\x06\x16',
  globalKeyprefix: '',
  fanoutPrefix: true,
  fanoutPatterns: true,
  unackedKey: 'unacked',
  unackedIndexKey: 'unacked_index',
  unackedMutexKey: 'unacked_mutex',
  unackedMutexExpireSec: 300,
  unackedRestoreIntervalSec: 100,
  unackedRestoreLimit: null,
  pollingIntervalSec: 1,
  maxElementBytes: 0,
  poisonQueue: 'celeriac.poison',
  queuedPops: 'auto',
  connectTimeoutMs: 10000,
};

/** With `queued_pops: 'auto'`, pops are queued behind the watchers from this broker round trip up. */
export const QUEUED_POPS_MIN_RTT_MS = 0.2;

const seconds = z.coerce.number().positive();

/**
 * Sweep period when none is configured: kombu's 100 s, but never longer than a quarter of the
 * visibility timeout (at least 1 s), so a dead worker's messages are back within about the timeout.
 * A sweep is one ZREVRANGEBYSCORE under a lock; our own workers refresh what they hold
 * (VisibilityKeeper), so a short period restores nothing that is still being worked on.
 */
export function defaultSweepIntervalSec(visibilityTimeoutSec: number): number {
  return Math.min(100, Math.max(1, visibilityTimeoutSec / 4));
}

/**
 * Celery's `broker_transport_options` (snake_case, seconds) to RedisTransportOptions. Unknown keys
 * (`max_connections`, `health_check_interval`, ...) are accepted and ignored, as kombu ignores
 * options of other transports.
 */
export const redisTransportOptionsSchema = z
  .object({
    visibility_timeout: seconds.optional(),
    priority_steps: z.array(z.coerce.number().int().min(0).max(9)).nonempty().optional(),
    sep: z.string().min(1).optional(),
    global_keyprefix: z.string().optional(),
    fanout_prefix: z.union([z.boolean(), z.string()]).optional(),
    fanout_patterns: z.boolean().optional(),
    unacked_key: z.string().min(1).optional(),
    unacked_index_key: z.string().min(1).optional(),
    unacked_mutex_key: z.string().min(1).optional(),
    unacked_mutex_expire: seconds.optional(),
    unacked_restore_interval: seconds.optional(),
    unacked_restore_throttle: z.coerce.number().int().positive().optional(),
    unacked_restore_limit: z.coerce.number().int().positive().nullable().optional(),
    polling_interval: seconds.optional(),
    queued_pops: z.union([z.boolean(), z.literal('auto')], { error: "must be true, false or 'auto'" }).optional(),
    master_name: z.string().min(1).optional(),
    sentinel_kwargs: z.record(z.string(), z.unknown()).optional(),
    socket_connect_timeout: seconds.optional(),
  })
  .loose()
  .transform((o): RedisTransportOptions => {
    const d = defaultRedisTransportOptions;
    const throttle = o.unacked_restore_throttle ?? 10;
    return {
      visibilityTimeoutSec: o.visibility_timeout ?? d.visibilityTimeoutSec,
      prioritySteps: o.priority_steps ? [...o.priority_steps].sort((a, b) => a - b) : d.prioritySteps,
      sep: o.sep ?? d.sep,
      globalKeyprefix: o.global_keyprefix ?? d.globalKeyprefix,
      fanoutPrefix: o.fanout_prefix ?? d.fanoutPrefix,
      fanoutPatterns: o.fanout_patterns ?? d.fanoutPatterns,
      unackedKey: o.unacked_key ?? d.unackedKey,
      unackedIndexKey: o.unacked_index_key ?? d.unackedIndexKey,
      unackedMutexKey: o.unacked_mutex_key ?? d.unackedMutexKey,
      unackedMutexExpireSec: o.unacked_mutex_expire ?? d.unackedMutexExpireSec,
      unackedRestoreIntervalSec: o.unacked_restore_interval !== undefined || o.unacked_restore_throttle !== undefined
        ? (o.unacked_restore_interval ?? 10) * throttle
        : defaultSweepIntervalSec(o.visibility_timeout ?? d.visibilityTimeoutSec),
      unackedRestoreLimit: o.unacked_restore_limit ?? d.unackedRestoreLimit,
      pollingIntervalSec: o.polling_interval ?? d.pollingIntervalSec,
      maxElementBytes: d.maxElementBytes,
      poisonQueue: d.poisonQueue,
      queuedPops: o.queued_pops ?? d.queuedPops,
      ...(o.master_name ? { masterName: o.master_name } : {}),
      ...(o.sentinel_kwargs ? { sentinelKwargs: o.sentinel_kwargs } : {}),
      connectTimeoutMs: o.socket_connect_timeout !== undefined ? o.socket_connect_timeout * 1000 : d.connectTimeoutMs,
    };
  });

/** `redisTransportOptionsSchema` on Celery's `broker_transport_options`; every problem in one ConfigError. */
export function parseRedisTransportOptions(options: Record<string, unknown>): RedisTransportOptions {
  const parsed = redisTransportOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `broker_transport_options.${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
