import type { ErrorMatcher, TaskDefinition } from '../app/task-definition';
import type { Settings } from '../config/settings-schema';
import { buildRetryMessage, retryCountdownSec, type RetryBackoff } from '../canvas/build-retry-message';
import type { RetryDefaults } from '../canvas/retry-defaults';
import { Retry, TaskSignal } from '../canvas/task-signals';
import { coerceError } from '../errors/coerce-error';
import type { Route } from '../protocol/kombu-message';
import type { TaskMessage } from '../protocol/task-message';
import { TimeLimitExceeded } from './time-limit-errors';

export { CELERY_RETRY_DEFAULTS, type RetryDefaults } from '../canvas/retry-defaults';

/** The retry limit and default delay in force for one task (task option over app default). */
export function resolveRetryLimits(def: TaskDefinition, defaults: RetryDefaults): { maxRetries: number | null; defaultRetryDelaySec: number } {
  return {
    maxRetries: def.options.maxRetries !== undefined ? def.options.maxRetries : defaults.maxRetries,
    defaultRetryDelaySec: def.options.defaultRetryDelay ?? defaults.defaultRetryDelaySec,
  };
}

/** The backoff policy in force for one task (task options over app defaults). */
export function resolveBackoff(def: TaskDefinition, defaults: RetryDefaults): RetryBackoff {
  return {
    backoff: def.options.retryBackoff ?? defaults.backoff,
    backoffMaxSec: def.options.retryBackoffMax ?? defaults.backoffMaxSec,
    jitter: def.options.retryJitter ?? defaults.jitter,
    defaultDelaySec: def.options.defaultRetryDelay ?? defaults.defaultRetryDelaySec,
  };
}

/**
 * True when the error is one the task retries by itself (Celery's `autoretry_for` minus
 * `dont_autoretry_for`). Control signals (Retry/Reject/Ignore) and a hard time limit never are:
 * in Python they are raised past the autoretry wrapper or kill the child outside it.
 */
export function isAutoretried(def: TaskDefinition, defaults: RetryDefaults, err: Error): boolean {
  if (err instanceof TaskSignal || err instanceof TimeLimitExceeded) return false;
  const matchers = def.options.autoretryFor ?? defaults.autoretryFor;
  if (matchers.length === 0 || !matchers.some((m) => matches(m, err))) return false;
  return !(def.options.dontAutoretryFor ?? []).some((m) => matches(m, err));
}

/** What an automatic retry needs from the delivery and the worker. */
export interface AutoretryContext {
  /** Exchange/routing key the message arrived with. */
  deliveredVia: Route;
  /** This worker's follow-up origin, used when the message had none. */
  hostname: string;
  /** Reply-to used when the message had none. */
  replyTo: string;
  now: Date;
  /** [0, 1) source for the jitter (inject for tests). */
  random?: () => number;
}

/** What to do with an error a task threw: retry, fail because retries ran out, or fail as is. */
export type AutoretryDecision =
  | { kind: 'retry'; retry: Retry }
  | { kind: 'exhausted'; error: unknown }
  | { kind: 'not-retried' };

/**
 * Decides what an error thrown by a task becomes, as Celery's autoretry wrapper does
 * (`raise task.retry(exc=exc, countdown=backoff)`): a Retry signal when the error is autoretried and
 * retries are left; past the limit the original error (Celery re-raises `exc`, so FAILURE keeps its
 * type); `not-retried` when it is not autoretried. The countdown is the backoff (`retryCountdownSec`
 * on the current retry count) when backoff is on, else the task's default retry delay.
 */
export function applyAutoretry(def: TaskDefinition, defaults: RetryDefaults, thrown: unknown, msg: TaskMessage, ctx: AutoretryContext): AutoretryDecision {
  const err = coerceError(thrown);
  if (!isAutoretried(def, defaults, err)) return { kind: 'not-retried' };
  const backoff = resolveBackoff(def, defaults);
  const { maxRetries, defaultRetryDelaySec } = resolveRetryLimits(def, defaults);
  const countdownSec = backoff.backoff === false || backoff.backoff === 0
    ? defaultRetryDelaySec
    : retryCountdownSec(msg.retries, backoff, ctx.random);
  try {
    const planned = buildRetryMessage(msg, {
      countdownSec, maxRetries, exc: err, defaultRetryDelaySec, deliveredVia: ctx.deliveredVia, hostname: ctx.hostname, replyTo: ctx.replyTo,
    }, ctx.now);
    return { kind: 'retry', retry: new Retry({ ...planned, exc: err }) };
  } catch (exhausted) {
    // buildRetryMessage re-throws `exc` past the limit: that is the final failure.
    if (typeof exhausted === 'object' && exhausted !== null) exhaustedErrors.add(exhausted);
    return { kind: 'exhausted', error: exhausted };
  }
}

/** Errors raised because retries ran out (task.retry() past maxRetries re-raises `exc`). */
const exhaustedErrors = new WeakSet<object>();

/** Runs a retry plan; an error it throws (retries ran out) is remembered as such, then re-thrown. */
export function markIfExhausted<T>(plan: () => T): T {
  try {
    return plan();
  } catch (thrown) {
    if (typeof thrown === 'object' && thrown !== null) exhaustedErrors.add(thrown);
    throw thrown;
  }
}

/** True when `err` ended a task because its retries ran out (MaxRetriesExceededError, or `exc` re-raised by retry()). */
export function isRetriesExhausted(err: unknown): boolean {
  return exhaustedErrors.has(err as object) || (err as { pythonType?: unknown } | null)?.pythonType === 'MaxRetriesExceededError';
}

function matches(matcher: ErrorMatcher, err: Error): boolean {
  if (typeof matcher !== 'string') return err instanceof matcher;
  if (matcher === 'Exception' || matcher === 'Error' || matcher === 'BaseException') return true;
  const pythonType = (err as Error & { pythonType?: unknown }).pythonType;
  if (pythonType === matcher || err.name === matcher) return true;
  for (let proto: unknown = Object.getPrototypeOf(err); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === matcher) return true;
  }
  return false;
}

/** The app-wide retry defaults from the `task_*` retry settings. */
export function retryDefaultsOf(settings: Pick<Settings, 'task_max_retries' | 'task_default_retry_delay' | 'task_autoretry_for'
  | 'task_retry_backoff' | 'task_retry_backoff_max' | 'task_retry_jitter'>): RetryDefaults {
  return {
    maxRetries: settings.task_max_retries, defaultRetryDelaySec: settings.task_default_retry_delay, autoretryFor: settings.task_autoretry_for,
    backoff: settings.task_retry_backoff, backoffMaxSec: settings.task_retry_backoff_max, jitter: settings.task_retry_jitter,
  };
}
