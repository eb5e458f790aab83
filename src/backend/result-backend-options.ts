import { z } from 'zod';
import { ConfigError } from '../errors/celeriac-error';

/** Celery's default `result_expires` (one day), in seconds. */
export const DEFAULT_RESULT_EXPIRES_SEC = 86400;

/** Key prefix of a task's result (`BaseKeyValueStoreBackend.task_keyprefix`). */
export const TASK_KEY_PREFIX = 'celery-task-meta-';

const expires = z.number().int().nonnegative().nullable().optional();
const text = z.string().optional();

/**
 * Result backend options. Each setting is accepted under its camelCase name or Celery's name
 * (`result_expires`, and the `result_backend_transport_options` keys `global_keyprefix`,
 * `master_name`, `sentinel_kwargs`), so Celery settings can be passed through unchanged. Unknown keys are ignored.
 */
export const resultBackendOptionsSchema = z.object({
  /** Seconds a stored result lives; 0 or null = never (SET instead of SETEX). Default 86400. */
  resultExpiresSec: expires,
  /** Celery's name for `resultExpiresSec`. */
  result_expires: expires,
  /** Prepended to every key; `_` is appended unless it ends with `:`, `_`, `-` or `.`. */
  globalKeyprefix: text,
  /** Celery's name for `globalKeyprefix`. */
  global_keyprefix: text,
  /** Sentinel master name, required for `sentinel://` URLs. */
  masterName: text,
  /** Celery's name for `masterName`. */
  master_name: text,
  /** How to connect to the sentinels of a `sentinel://` URL (see resolveSentinelKwargs). */
  sentinelKwargs: z.record(z.string(), z.unknown()).optional(),
  /** Celery's name for `sentinelKwargs`. */
  sentinel_kwargs: z.record(z.string(), z.unknown()).optional(),
  /** Socket connect timeout. */
  connectTimeoutMs: z.number().int().positive().optional(),
  /** Celery's `redis_backend_use_ssl`: an object of ssl_* keys (see resolveRedisTls), checked when the URL is parsed. */
  redis_backend_use_ssl: z.record(z.string(), z.unknown()).optional(),
});

/** Result backend options as callers may write them. */
export type ResultBackendOptionsInput = z.input<typeof resultBackendOptionsSchema>;

/** Normalised result backend options. */
export interface ResultBackendOptions {
  /** Seconds a stored result lives, or null for never. */
  resultExpiresSec: number | null;
  /** The global key prefix with Celery's separator rule already applied ('' when none). */
  keyPrefix: string;
  /** Sentinel master name. */
  masterName?: string;
  /** How to connect to the sentinels. */
  sentinelKwargs?: Record<string, unknown>;
  /** Socket connect timeout. */
  connectTimeoutMs?: number;
  /** Celery's `redis_backend_use_ssl`. */
  useSsl?: Record<string, unknown>;
}

/** Validates and normalises options; throws ConfigError listing every problem. */
export function parseResultBackendOptions(input: unknown): ResultBackendOptions {
  const parsed = resultBackendOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `result backend option ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const o = parsed.data;
  const rawExpires = o.resultExpiresSec !== undefined ? o.resultExpiresSec : o.result_expires;
  const resultExpiresSec = rawExpires === undefined ? DEFAULT_RESULT_EXPIRES_SEC : rawExpires === 0 ? null : rawExpires;
  const masterName = o.masterName ?? o.master_name;
  const sentinelKwargs = o.sentinelKwargs ?? o.sentinel_kwargs;
  return {
    resultExpiresSec,
    keyPrefix: buildGlobalKeyPrefix(o.globalKeyprefix ?? o.global_keyprefix),
    ...(masterName ? { masterName } : {}),
    ...(sentinelKwargs ? { sentinelKwargs } : {}),
    ...(o.connectTimeoutMs ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    ...(o.redis_backend_use_ssl ? { useSsl: o.redis_backend_use_ssl } : {}),
  };
}

/**
 * The global key prefix as Celery's result backend applies it (`_add_global_keyprefix`): empty
 * stays empty, otherwise `_` is appended unless the prefix already ends with `:`, `_`, `-` or `.`.
 */
export function buildGlobalKeyPrefix(globalKeyprefix: string | null | undefined): string {
  if (!globalKeyprefix) return '';
  return ':_-.'.includes(globalKeyprefix.slice(-1)) ? globalKeyprefix : `${globalKeyprefix}_`;
}

/** The key (and pub/sub channel) holding a task's result meta. */
export function buildTaskKey(keyPrefix: string, taskId: string): string {
  return `${keyPrefix}${TASK_KEY_PREFIX}${taskId}`;
}
