import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { CELERY_RETRY_DEFAULTS as RETRY } from '../canvas/retry-defaults';
import { queueSettingsShape } from './queue-settings-schema';

const positiveInt = z.coerce.number().int().positive();
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
  .transform((v) => (typeof v === 'boolean' ? v : ['true', '1', 'yes', 'on'].includes(v)));
const jsonObject = z.union([z.record(z.string(), z.unknown()), z.string()]).transform((v, ctx) => {
  if (typeof v !== 'string') return v;
  try {
    const parsed: unknown = JSON.parse(v);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* reported below */ }
  ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
  return z.NEVER;
});
const list = z.union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * Every setting the worker reads, under Celery's own name where one exists, with its default.
 * Sources, highest first: CLI flags, `CELERY_<NAME>` environment variables, the app's `conf`, defaults.
 */
export const settingsSchema = z.object({
  /** Broker URL (`CELERY_BROKER_URL`). */
  broker_url: z.string().min(1).default('redis://localhost:6379/1'),
  /** Result store URL (`CELERY_RESULT_BACKEND`); `disabled` stores nothing. */
  result_backend: z.string().min(1).default('redis://localhost:6379/2'),
  /** Retry a lost broker connection (Celery's `broker_connection_retry`); also governs startup when the next setting is unset. */
  broker_connection_retry: bool.default(true),
  /** Retry the first broker/result-store connection at startup (Celery 5.3+); unset = follow `broker_connection_retry`. */
  broker_connection_retry_on_startup: bool.optional(),
  /** Connection attempts retried before giving up (Celery's default 100); `none` = retry forever, 0 = no retry. */
  broker_connection_max_retries: z.union([z.literal('none'), z.null(), z.coerce.number().int().nonnegative()])
    .transform((v) => (v === 'none' ? null : v)).default(100),
  /** kombu transport options, e.g. `{"visibility_timeout": 3600, "global_keyprefix": "x:"}`. */
  broker_transport_options: jsonObject.default({}),
  /** Result backend transport options, e.g. `{"global_keyprefix": "x"}`. */
  result_backend_transport_options: jsonObject.default({}),
  /**
   * TLS to the broker (Celery's `broker_use_ssl`): true, or for Redis an object of `ssl_cert_reqs`
   * (required, optional, none), `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`, `ssl_check_hostname`;
   * ssl_* parameters in the URL replace it (kombu). Also turns TLS on for a redis:// URL.
   */
  broker_use_ssl: z.union([bool, jsonObject]).default(false),
  /** TLS to a rediss:// result backend (Celery's `redis_backend_use_ssl`), the same ssl_* keys; URL parameters override it key by key. */
  redis_backend_use_ssl: jsonObject.optional(),
  /** Seconds a stored result lives; 0 = forever. */
  result_expires: z.coerce.number().int().nonnegative().default(86400),
  /** Add name/args/kwargs/worker/retries/queue to stored results. */
  result_extended: bool.default(false),
  /** rpc:// backend: send replies persistent (delivery_mode 2) instead of transient (Celery's name and default). */
  result_persistent: bool.default(false),
  /** celeriac: largest stored result meta in bytes (encoded JSON); a bigger result is stored as FAILURE kombu.exceptions.EncodeError. Max 512 MiB (Redis's proto-max-bulk-len default). */
  result_max_bytes: positiveInt.max(512 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Retries of a failed result store before an acks-late message is given back to its queue (Celery's name; Celery: unlimited, only with result_backend_always_retry). */
  result_backend_max_retries: z.coerce.number().int().nonnegative().default(5),
  /** Backoff factor in ms between result store retries, full jitter (Celery's name; Celery's default is 10). */
  result_backend_base_sleep_between_retries_ms: z.coerce.number().int().nonnegative().default(100),
  /** Cap in ms of one wait between result store retries (Celery's name and default). */
  result_backend_max_sleep_between_retries_ms: z.coerce.number().int().nonnegative().default(10_000),
  /** Ack after the task finished (tasks may override). */
  task_acks_late: bool.default(false),
  /** Store STARTED when a task starts. */
  task_track_started: bool.default(false),
  /** Store no results at all (tasks may override). */
  task_ignore_result: bool.default(false),
  /** Queues to consume (`-Q`). */
  worker_queues: list.default(['celery']),
  /** Tasks run at once (`-c`); Celery's default is the number of CPUs. */
  worker_concurrency: positiveInt.default(availableParallelism()),
  /** Messages reserved per concurrency slot (`--prefetch-multiplier`). */
  worker_prefetch_multiplier: z.coerce.number().int().nonnegative().default(4),
  /** Node name (`-n`), `%h`/`%n`/`%d` expanded. */
  worker_hostname: z.string().min(1).default('celery@%h'),
  /** Content types accepted (`json`, or MIME names). */
  accept_content: list.default(['json']),
  /** Largest task body accepted, in bytes (after decompression); bigger messages are refused as poison. */
  worker_max_message_bytes: positiveInt.default(64 * 1024 * 1024),
  /**
   * celeriac: V8's old-generation growth between full collections, percent (`--heap-growing-percent`),
   * set when the worker starts; 0 leaves V8's own choice (up to 4x the live heap). See README "Memory".
   */
  worker_heap_growing_percent: z.coerce.number().int().min(0).max(1000).default(100),
  /** Queue where undecodable (poison) messages are kept, untouched, for inspection. Empty = drop them. */
  worker_poison_queue: z.string().default('celeriac.poison'),
  /** Log level (`-l`). */
  worker_loglevel: z.enum(['trace', 'debug', 'info', 'warning', 'warn', 'error', 'critical', 'fatal'])
    .transform((l) => (l === 'warning' ? 'warn' : l === 'critical' ? 'fatal' : l)).default('info'),
  /** Send task-* events (`-E`); Flower's `enable_events` switches them on at run time too. */
  worker_send_task_events: bool.default(false),
  /** Seconds between worker-heartbeat events (`--heartbeat-interval`). */
  worker_heartbeat_interval: z.coerce.number().positive().default(2.0),
  /** Port for /metrics (Prometheus), /healthz and /readyz (`--metrics-port`); 0 = off. The seeds use 9540. */
  worker_metrics_port: z.coerce.number().int().min(0).max(65535).default(0),
  /** Address the metrics/health server listens on: loopback by default; `0.0.0.0` exposes it on every interface. */
  worker_metrics_host: z.string().min(1).default('127.0.0.1'),
  /** Hard time limit in seconds for every task (tasks and the message's `timelimit` header override it). */
  task_time_limit: z.coerce.number().positive().optional(),
  /** Soft time limit in seconds: the task's AbortSignal fires with SoftTimeLimitExceeded. */
  task_soft_time_limit: z.coerce.number().positive().optional(),
  /** celeriac: default `maxRetries` of every task (Celery's Task.max_retries, 3); `none` = unlimited. */
  task_max_retries: z.union([z.literal('none'), z.null(), z.coerce.number().int().nonnegative()])
    .transform((v) => (v === 'none' ? null : v)).default(RETRY.maxRetries),
  /** celeriac: default `defaultRetryDelay` in seconds of every task (Celery's Task.default_retry_delay, 180). */
  task_default_retry_delay: z.coerce.number().nonnegative().default(RETRY.defaultRetryDelaySec),
  /** celeriac: error class names every task retries automatically (Celery's autoretry_for); `Exception`/`Error` = all. */
  task_autoretry_for: list.default([]),
  /** celeriac: exponential backoff for automatic retries: false, true (factor 1) or a factor (Celery's retry_backoff). */
  task_retry_backoff: z.union([z.boolean(), z.enum(['true', 'false']), z.coerce.number().nonnegative()])
    .transform((v) => (v === 'true' ? true : v === 'false' ? false : v)).default(RETRY.backoff),
  /** celeriac: cap in seconds of the backoff (Celery's retry_backoff_max). */
  task_retry_backoff_max: z.coerce.number().nonnegative().default(RETRY.backoffMaxSec),
  /** celeriac: full jitter on the backoff (Celery's retry_jitter). */
  task_retry_jitter: bool.default(RETRY.jitter),
  /** celeriac: queue that receives the original message of a task that finally failed (tasks may override); empty = none. */
  task_dead_letter_queue: z.string().default(''),
  /** Cap on the prefetch allowance that held ETA/countdown messages raise (Celery 5.6); unset = no cap. */
  worker_eta_task_limit: positiveInt.optional(),
  /** Seconds running tasks may still take after a warm shutdown began; then acks-late ones go back to their queue. 0 = wait forever. */
  worker_soft_shutdown_timeout: z.coerce.number().nonnegative().default(0),
  /** celeriac: seconds each connection close (consumer, monitors, result store, broker) may take at shutdown; past it the worker exits anyway and unacked messages come back after the visibility timeout. */
  worker_close_timeout: z.coerce.number().positive().default(5),
  /** Ignore every rate limit. */
  worker_disable_rate_limits: bool.default(false),
  /** Default pool (`-P`): `event` runs handlers on the event loop, `threads` on worker_threads; Celery's prefork/solo/eventlet/gevent mean `event`. */
  worker_pool: z.enum(['event', 'threads', 'prefork', 'solo', 'eventlet', 'gevent']).default('event'),
  /** Replace a pool thread after this many tasks (threads pool). */
  worker_max_tasks_per_child: positiveInt.optional(),
  /** Replace a pool thread whose heap exceeds this many KiB after a task (threads pool), as Celery's setting in KiB. */
  worker_max_memory_per_child: positiveInt.optional(),
  /** With acks_late, requeue a task whose pool thread died instead of storing WorkerLostError. */
  task_reject_on_worker_lost: bool.default(false),
  /** Queue for follow-up messages (callbacks, chain steps) whose signature names none. */
  task_default_queue: z.string().min(1).default('celery'),
  /** Celery's queue/exchange settings (`task_queues`, `task_default_queue_type`, ...): src/config/queue-settings-schema.ts. */
  ...queueSettingsShape,
  /** Routing for follow-up messages by task name (Celery's `task_routes`: exact, glob or /regex/ keys). */
  task_routes: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]).optional(),
  /** Run tasks in process instead of sending them: `delay`/`applyAsync`/`sendTask` call the registered handler and return an EagerResult (Celery's name). */
  task_always_eager: bool.default(false),
  /** In eager mode, a failing task rejects the `delay()` itself instead of resolving to a FAILURE result (Celery's name). */
  task_eager_propagates: bool.default(false),
  /** celeriac: header (else kwarg) names logged on every line of a task and copied to the headers of the tasks it sends, e.g. `request_id,organization_id`. */
  worker_log_context_fields: list.default([]),
  /** Periodic tasks for `celeriac beat` (Celery's `beat_schedule` shape; validated by beat). */
  beat_schedule: z.record(z.string(), z.unknown()).default({}),
  /** Beat's local state file on a RabbitMQ broker without a Redis result backend (Celery's name; its default is `celerybeat-schedule`, a shelve). */
  beat_schedule_filename: z.string().min(1).default('celeriac-beat-schedule.json'),
  /** App time zone, for naive ETA/expiry values and crontab schedules. */
  timezone: z.string().default('UTC'),
});

/** Validated settings. */
export type Settings = z.output<typeof settingsSchema>;

/** Settings as a user may write them (strings allowed everywhere env vars are). */
export type SettingsInput = Partial<z.input<typeof settingsSchema>>;

/** Names of all settings. */
export const settingNames = Object.keys(settingsSchema.shape) as Array<keyof Settings>;
