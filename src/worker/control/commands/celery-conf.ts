import { settingsSchema, type Settings } from '../../../config/settings-schema';
import { safeUrl } from '../../../transport/safe-url';

/**
 * Celery settings whose value celeriac's behaviour fixes, with the value Python prints for them
 * (`celery/app/defaults.py` through the control reply's JSON). Only settings celeriac honours as
 * Celery does are listed; what celeriac does not implement is left out rather than claimed.
 */
const FIXED: Readonly<Record<string, unknown>> = {
  enable_utc: true,
  task_serializer: 'json',
  result_serializer: 'json',
  event_serializer: 'json',
  task_protocol: 2,
  event_exchange: 'celeryev',
  task_default_exchange_type: 'direct',
  task_create_missing_queues: true,
  task_send_sent_event: false,
  worker_enable_remote_control: true,
  // prefetch follows worker_prefetch_multiplier; celeriac has no switch turning it off
  worker_disable_prefetch: false,
  // the CLI builds the process's one root logger (pino) and logs everything through it, as Celery's default True
  worker_hijack_root_logger: true,
  // JSON log lines, never coloured
  worker_log_color: false,
  deprecated_settings: null,
  // tasks come from the app module (-A), none from `include`
  include: [],
};

/** Celery's defaults for the settings celeriac shares with it by name (where celeriac's differ, the value differs from Celery's). */
const CELERY_DEFAULTS: Readonly<Record<string, unknown>> = {
  broker_url: null, result_backend: null, broker_connection_retry: true, broker_connection_retry_on_startup: null,
  broker_connection_max_retries: 100, broker_transport_options: {}, result_backend_transport_options: {}, result_expires: 86400,
  result_extended: false, result_backend_max_retries: Infinity, result_backend_base_sleep_between_retries_ms: 10,
  result_backend_max_sleep_between_retries_ms: 10000, task_acks_late: false, task_track_started: false, task_ignore_result: false,
  worker_concurrency: null, worker_prefetch_multiplier: 4, accept_content: ['json'], worker_send_task_events: false,
  task_time_limit: null, task_soft_time_limit: null, worker_eta_task_limit: null, worker_soft_shutdown_timeout: 0,
  worker_disable_rate_limits: false, worker_pool: 'prefork', worker_max_tasks_per_child: null, worker_max_memory_per_child: null,
  task_reject_on_worker_lost: null, task_default_queue: 'celery', task_routes: null, task_always_eager: false,
  task_eager_propagates: false, beat_schedule: {}, timezone: null, broker_heartbeat: 120,
};

/** Celery's defaults of the FIXED settings where they differ from celeriac's value. */
const CELERY_FIXED_DEFAULTS: Readonly<Record<string, unknown>> = { ...FIXED, worker_log_color: null };

/** Keys Python censors (`celery.app.utils.HIDDEN_SETTINGS`). */
const HIDDEN = /API|TOKEN|KEY|SECRET|PASS|PROFANITIES_LIST|SIGNATURE|DATABASE|BEAT_DBURI/i;
const MASK = '********';

/**
 * The worker's effective configuration under Celery's setting names, as `inspect conf` answers
 * (`app.conf.table(with_defaults)`, censored): celeriac's settings (shared names as Celery prints
 * them; celeriac-only ones under their own names), the fixed Celery settings above, and with
 * `withDefaults` false only what differs from Celery's defaults plus what a Python worker always
 * reports (`deprecated_settings`, `include`).
 */
export function buildCeleryConf(settings: Settings, withDefaults: boolean): Record<string, unknown> {
  const effective: Record<string, unknown> = {};
  // every setting celeriac has, unset optional ones (e.g. broker_connection_retry_on_startup) as null
  const values = settings as Record<string, unknown>;
  for (const key of Object.keys(settingsSchema.shape)) effective[key] = values[key] === undefined ? null : values[key];
  const heartbeat = (settings.broker_transport_options as Record<string, unknown>).broker_heartbeat;
  effective.broker_heartbeat = typeof heartbeat === 'number' ? heartbeat : 120;
  Object.assign(effective, FIXED);
  // Python prints the empty deprecated-settings set as null among the changes, as safe_repr's 'set()' with the defaults
  if (withDefaults) effective.deprecated_settings = 'set()';
  const own = settingsSchema.parse({}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(effective)) {
    // Celery's names against Celery's defaults, celeriac's own against celeriac's; FIXED ones are Celery's defaults
    // except worker_log_color; a Python worker always lists deprecated_settings and include among its changes
    const base = key in CELERY_DEFAULTS ? CELERY_DEFAULTS[key] : key in FIXED ? CELERY_FIXED_DEFAULTS[key] : own[key] ?? null;
    const always = key === 'deprecated_settings' || key === 'include';
    if (!withDefaults && !always && JSON.stringify(base) === JSON.stringify(value)) continue;
    out[key] = censor(key, pythonValue(key, value));
  }
  return out;
}

/** Values as Python's reply prints them: `result_expires`' default is `timedelta(days=1)`, printed `str()`. */
function pythonValue(key: string, value: unknown): unknown {
  if (key === 'result_expires' && typeof value === 'number' && value % 86400 === 0 && value > 0) {
    const days = value / 86400;
    return `${days} day${days === 1 ? '' : 's'}, 0:00:00`;
  }
  return value;
}

/** `filter_hidden_settings`: maps recursively, secret-looking keys masked, broker/backend URLs without passwords. */
function censor(key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, censor(k, v)]));
  }
  if (HIDDEN.test(key)) return MASK;
  if (typeof value === 'string' && (key.toLowerCase().includes('broker_url') || key.toLowerCase().includes('backend'))) {
    return safeUrl(value).replace(/\*\*\*/g, MASK);
  }
  return value;
}
