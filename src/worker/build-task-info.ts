import type { TaskDefinition } from '../app/task-definition';
import type { Settings } from '../config/settings-schema';
import type { TaskInfo } from './worker-state';

/**
 * A task's effective attributes, as Celery binds them to the task class: the task's own options,
 * else the app's settings (`task_acks_late`, `task_ignore_result`, ...); rate and time limits as
 * the `rate_limit`/`time_limit` commands last set them.
 */
export function buildTaskInfo(def: TaskDefinition, settings: Settings,
  limits: { rateLimit: string | null; softSec: number | null; hardSec: number | null }): TaskInfo {
  const o = def.options;
  return {
    name: def.name,
    queue: o.queue ?? null,
    rateLimit: limits.rateLimit,
    timeLimitSec: limits.hardSec,
    softTimeLimitSec: limits.softSec,
    acksLate: o.acksLate ?? settings.task_acks_late,
    ignoreResult: o.ignoreResult ?? settings.task_ignore_result,
    trackStarted: o.trackStarted ?? settings.task_track_started,
    maxRetries: o.maxRetries !== undefined ? o.maxRetries : settings.task_max_retries,
    defaultRetryDelaySec: o.defaultRetryDelay ?? settings.task_default_retry_delay,
    rejectOnWorkerLost: settings.task_reject_on_worker_lost,
  };
}
