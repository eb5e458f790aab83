import type { Route } from '../protocol/kombu-message';
import type { TaskMessage } from '../protocol/task-message';
import type { PlannedMessage } from './build-signature-message';
import { encodeTaskMessage } from '../protocol/encode-task-message';
import { pythonRepr } from '../protocol/python-repr';
import { CELERY_RETRY_DEFAULTS } from './retry-defaults';
import { withOriginProperty } from './with-origin-property';
import { MaxRetriesExceededError } from './task-signals';


/** What `task.retry(...)` was called with, plus what the worker knows about the delivery. */
export interface RetryOptions {
  /** Seconds until the retry runs; default `defaultRetryDelaySec` unless `eta` is given. */
  countdownSec?: number;
  /** Explicit instant to run the retry at. */
  eta?: Date;
  /** New positional args (default: the original ones). */
  args?: unknown[];
  /** New keyword args (default: the original ones). */
  kwargs?: Record<string, unknown>;
  /** Retry limit; null = unlimited; default 3. Checked against the new `retries` count. */
  maxRetries?: number | null;
  /** The error that caused the retry: rethrown instead of MaxRetriesExceededError past the limit. */
  exc?: Error;
  /** Task-level `default_retry_delay` in seconds (default 180). */
  defaultRetryDelaySec?: number;
  /** Exchange and routing key the message arrived with (`Delivery.route`): the retry goes back there. */
  deliveredVia: Route;
  /** Task-level `ignore_result` (`Task.apply_async` sets it; the request does not carry it). */
  ignoreResult?: boolean;
  /** Used as `origin` only when the message had none (`anon_nodename()`). */
  hostname?: string;
  /** Used as `reply_to` only when the message had none (the worker's oid). */
  replyTo?: string;
  /** Expiry of the retry, seconds from `now` or an instant (`retry(expires=...)`); default: the request's. */
  expires?: number | Date;
  /** Hard / soft time limits of the retry (`time_limit`, `soft_time_limit`); default: the request's. */
  timeLimitSec?: number;
  softTimeLimitSec?: number;
  /** Priority of the retry; default: the request's. */
  priority?: number;
  /** Queue to send the retry to (through the anonymous exchange, as `signature_from_request(queue=...)`). */
  queue?: string;
}

/** Kombu/AMQP dead-letter headers Celery drops before re-sending (`x-death`, `x-first-death-*`). */
const DEAD_LETTER_HEADER = /^x-(first-)?death/;

/**
 * The message Python's `Task.retry` publishes (`signature_from_request` + `apply_async`): same id,
 * `retries + 1`, `eta` = now + countdown, `parent_id` = the original parent or, for a top-level task,
 * its own id (send_task fills it from the running task), same root, group, embed, time limits,
 * expires, shadow, custom headers (minus `x-death*`), stamps, `reply_to`, and `origin` both as header
 * and (captured quirk) property. Destination: the queue it came from when it arrived through the
 * anonymous exchange, else the same exchange/routing key; priority kept.
 * Past `maxRetries`: throws `exc` when given, else MaxRetriesExceededError.
 */
export function buildRetryMessage(msg: TaskMessage, opts: RetryOptions, now: Date): PlannedMessage & { when: number | Date } {
  const retries = msg.retries + 1;
  const args = opts.args ?? msg.args;
  const kwargs = opts.kwargs ?? msg.kwargs;
  const maxRetries = opts.maxRetries === undefined ? CELERY_RETRY_DEFAULTS.maxRetries : opts.maxRetries;
  if (maxRetries !== null && retries > maxRetries) {
    if (opts.exc) throw opts.exc;
    throw new MaxRetriesExceededError(
      `Can't retry ${msg.task}[${msg.id}] args:${pythonRepr(args, { tuple: true })} kwargs:${pythonRepr(kwargs)}`, args, kwargs);
  }
  const countdownSec = opts.eta ? undefined : opts.countdownSec ?? opts.defaultRetryDelaySec ?? CELERY_RETRY_DEFAULTS.defaultRetryDelaySec;
  const customHeaders: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg.customHeaders)) if (!DEAD_LETTER_HEADER.test(k)) customHeaders[k] = v;
  const origin = msg.origin ?? opts.hostname ?? 'celeriac';
  const via = opts.deliveredVia;
  const route: Route = opts.queue ? { exchange: '', routingKey: opts.queue }
    : via.exchange === '' && via.routingKey ? { exchange: '', routingKey: via.routingKey } : via;
  const message = encodeTaskMessage({
    id: msg.id,
    task: msg.task,
    args,
    kwargs,
    shadow: msg.shadow,
    // countdown 0 means no eta in as_task_v2 (`if countdown:`)
    ...(opts.eta ? { eta: opts.eta } : countdownSec ? { countdownSec } : {}),
    // the request's expires is re-sent as is (a PythonDatetime from the decoder keeps its microseconds);
    // retry(expires=n) counts from now, as as_task_v2 does for a number
    ...(typeof opts.expires === 'number' ? { expiresSec: opts.expires } : { expires: opts.expires ?? msg.expires }),
    group: msg.group,
    groupIndex: msg.groupIndex,
    retries,
    timeLimitSec: { hard: opts.timeLimitSec ?? msg.timeLimitSec.hard, soft: opts.softTimeLimitSec ?? msg.timeLimitSec.soft },
    rootId: msg.rootId || msg.id,
    parentId: msg.parentId || msg.id,
    origin,
    ignoreResult: opts.ignoreResult ?? false,
    replacedTaskNesting: msg.replacedTaskNesting,
    stampedHeaders: msg.stampedHeaders,
    stamps: msg.stampedHeaders ? msg.stamps : {},
    customHeaders,
    embed: msg.embed,
    replyTo: msg.replyTo ?? opts.replyTo ?? '',
    priority: opts.priority ?? msg.priority ?? 0,
  }, now);
  withOriginProperty(message, origin);
  return { message, route, taskId: msg.id, when: opts.eta ?? countdownSec ?? 0 };
}

/** Backoff policy of `autoretry_for` (Task.retry_backoff, retry_backoff_max, retry_jitter, default_retry_delay). */
export interface RetryBackoff {
  /** false/0 = no backoff (use `defaultDelaySec`); true = factor 1; a number = factor (Python: `int(max(1, n))`). */
  backoff: boolean | number;
  /** Cap in seconds (default 600). */
  backoffMaxSec?: number;
  /** Full jitter: uniform integer in [0, countdown] (default true). */
  jitter?: boolean;
  /** Countdown when backoff is off (default 180). */
  defaultDelaySec?: number;
}

/**
 * Countdown for the next automatic retry, as `celery.app.autoretry` + `get_exponential_backoff_interval`:
 * `min(max, factor * 2^retries)`, then with jitter `randrange(countdown + 1)`, never negative.
 * `random` returns [0, 1) (inject for tests).
 */
export function retryCountdownSec(retries: number, policy: RetryBackoff, random: () => number = Math.random): number {
  if (policy.backoff === false || policy.backoff === 0) return policy.defaultDelaySec ?? CELERY_RETRY_DEFAULTS.defaultRetryDelaySec;
  const factor = Math.trunc(Math.max(1, policy.backoff === true ? 1 : policy.backoff));
  let countdown = Math.min(Math.trunc(policy.backoffMaxSec ?? CELERY_RETRY_DEFAULTS.backoffMaxSec), factor * 2 ** retries);
  if (policy.jitter ?? CELERY_RETRY_DEFAULTS.jitter) countdown = Math.floor(random() * (countdown + 1));
  return Math.max(0, countdown);
}
