import type { Celery } from '../app/celery';
import type { Settings } from '../config/settings-schema';
import type { TaskMessage } from '../protocol/task-message';
import type { TaskLimitsController } from './control/control-context';
import { parseRate } from '../app/parse-rate';
import { TokenBucket } from './token-bucket';

/** Time limits for one run, seconds; null = none. */
export interface TimeLimits {
  softSec: number | null;
  hardSec: number | null;
}

/**
 * Rate and time limits per task type, as Celery keeps them on the task class: defaults from task
 * options and app settings, changed at run time by the `rate_limit` / `time_limit` control commands.
 */
export class TaskLimits implements TaskLimitsController {
  private readonly rates = new Map<string, number>();
  /** Rate limits as set by `rate_limit`, in their text form (`task.rate_limit = '10/m'`), null when cleared. */
  private readonly rateTexts = new Map<string, string | null>();
  private readonly times = new Map<string, TimeLimits>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** Called after a task's rate changed, so messages waiting on the old rate are re-released. */
  onRateChanged?: (taskName: string) => void;

  constructor(private readonly app: Celery, private readonly settings: Settings, private readonly now: () => number = Date.now) {}

  /** `rate_limit` command: sets (null clears) a task's rate; false for an unknown task. Throws on a bad rate string. */
  setRateLimit(taskName: string, rateLimit: string | null): boolean {
    if (!this.app.getTask(taskName)) return false;
    this.rates.set(taskName, parseRate(rateLimit));
    this.rateTexts.set(taskName, rateLimit);
    this.buckets.delete(taskName);
    this.onRateChanged?.(taskName);
    return true;
  }

  /** `time_limit` command: sets a task's soft/hard limits in seconds; false for an unknown task. */
  setTimeLimits(taskName: string, softSec: number | null, hardSec: number | null): boolean {
    if (!this.app.getTask(taskName)) return false;
    this.times.set(taskName, { softSec, hardSec });
    return true;
  }

  /** The task's rate limit in tasks/second (0 = unlimited); always 0 with `worker_disable_rate_limits`. */
  rateFor(taskName: string): number {
    if (this.settings.worker_disable_rate_limits) return 0;
    const override = this.rates.get(taskName);
    if (override !== undefined) return override;
    return parseRate(this.app.getTask(taskName)?.options.rateLimit ?? null);
  }

  /** The task's rate limit text and time limits as set now (run-time overrides, then task options, then app settings). */
  current(taskName: string): { rateLimit: string | null; softSec: number | null; hardSec: number | null } {
    const opts = this.app.getTask(taskName)?.options;
    const override = this.times.get(taskName);
    const rate = this.rateTexts.get(taskName);
    return {
      rateLimit: rate !== undefined ? rate : opts?.rateLimit ?? null,
      softSec: override ? override.softSec : opts?.softTimeLimit ?? this.settings.task_soft_time_limit ?? null,
      hardSec: override ? override.hardSec : opts?.timeLimit ?? this.settings.task_time_limit ?? null,
    };
  }

  /** The task's token bucket, or null when it is not rate limited. */
  bucket(taskName: string): TokenBucket | null {
    const rate = this.rateFor(taskName);
    if (rate <= 0) return null;
    let bucket = this.buckets.get(taskName);
    if (!bucket || bucket.fillRate !== rate) {
      bucket = new TokenBucket(rate, 1, this.now);
      this.buckets.set(taskName, bucket);
    }
    return bucket;
  }

  /** Limits for one run: the message's `timelimit` header, else run-time overrides, else task options, else app settings. */
  timeLimitsFor(msg: TaskMessage): TimeLimits {
    const opts = this.app.getTask(msg.task)?.options;
    const override = this.times.get(msg.task);
    const pick = (header: number | null, over: number | null | undefined, opt: number | undefined, app: number | undefined): number | null =>
      header ?? (over !== undefined ? over : opt ?? app ?? null);
    return {
      softSec: pick(msg.timeLimitSec.soft, override?.softSec, opts?.softTimeLimit, this.settings.task_soft_time_limit),
      hardSec: pick(msg.timeLimitSec.hard, override?.hardSec, opts?.timeLimit, this.settings.task_time_limit),
    };
  }
}
