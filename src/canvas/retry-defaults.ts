/** App-wide retry defaults (the `task_*` retry settings); task options override each one. */
export interface RetryDefaults {
  /** `task_max_retries`: null = unlimited. */
  maxRetries: number | null;
  /** `task_default_retry_delay`, seconds. */
  defaultRetryDelaySec: number;
  /** `task_autoretry_for`: error class names. */
  autoretryFor: readonly string[];
  /** `task_retry_backoff`. */
  backoff: boolean | number;
  /** `task_retry_backoff_max`, seconds. */
  backoffMaxSec: number;
  /** `task_retry_jitter`. */
  jitter: boolean;
}

/**
 * Celery's Task class defaults (celery/app/task.py: `max_retries = 3`, `default_retry_delay = 180`,
 * `retry_backoff = False`, `retry_backoff_max = 600`, `retry_jitter = True`): the one source of the
 * settings' defaults, the autoretry policy and `retry()` without options.
 */
export const CELERY_RETRY_DEFAULTS: Readonly<RetryDefaults> = Object.freeze({
  maxRetries: 3, defaultRetryDelaySec: 180, autoretryFor: [], backoff: false, backoffMaxSec: 600, jitter: true,
});
