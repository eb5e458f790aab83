import { CeleriacError } from '../errors/celeriac-error';
import { markClassAcrossCopies } from '../errors/mark-class-across-copies';
import type { KombuMessage, Route } from '../protocol/kombu-message';
import { pythonRepr } from '../protocol/python-repr';
import type { CanvasEffect } from './canvas-result';

/**
 * Control signals a task throws on purpose (celery.exceptions): the worker reacts by class, they are
 * not failures. Each carries the Python identity used when it is stored or reported.
 */
export abstract class TaskSignal extends CeleriacError {
  /** Python class name. */
  abstract readonly pythonType: string;
  /** Python module of the class. */
  readonly pythonModule = 'celery.exceptions';
  /** Python's exception args. */
  abstract get pythonArgs(): unknown[];
}

/** Thrown by `task.retry()`: the retry message is already built; the worker publishes it, stores RETRY and acks. */
export class Retry extends TaskSignal {
  readonly pythonType = 'Retry';
  /** The message to publish (same id, retries + 1, eta). */
  readonly retryMessage: KombuMessage;
  /** Where to publish it. */
  readonly route: Route;
  /** Countdown seconds, or the ETA instant, as Python's `Retry.when`. */
  readonly when: number | Date | null;
  /** The exception that caused the retry, if any (stored in the RETRY meta). */
  readonly exc: Error | null;

  constructor(init: { message: KombuMessage; route: Route; when: number | Date | null; exc?: Error | null }) {
    super('CELERIAC_TASK_RETRY', describeRetry(init.when, init.exc ?? null));
    this.retryMessage = init.message;
    this.route = init.route;
    this.when = init.when;
    this.exc = init.exc ?? null;
  }

  /** Python's `Retry(message, exc, when)` args. */
  get pythonArgs(): unknown[] {
    const when = this.when instanceof Date ? this.when.toISOString() : this.when;
    return [null, this.exc ? excRepr(this.exc) : null, when];
  }
}

/** Thrown to reject the message (`requeue` true puts it back); no result is stored. */
export class Reject extends TaskSignal {
  readonly pythonType = 'Reject';
  /** Put the message back in its queue instead of dropping it. */
  readonly requeue: boolean;
  /** Why, for logs. */
  readonly reason: string | null;

  constructor(reason: string | null = null, requeue = false) {
    super('CELERIAC_TASK_REJECT', `reject requeue=${requeue}: ${reason ?? ''}`);
    this.reason = reason;
    this.requeue = requeue;
  }

  /** Python's `Reject(reason, requeue)` args. */
  get pythonArgs(): unknown[] {
    return [this.reason, this.requeue];
  }
}

/** Thrown to end the run without storing any state (the message is acked). */
export class Ignore extends TaskSignal {
  readonly pythonType = 'Ignore';

  constructor(reason = 'ignored') {
    super('CELERIAC_TASK_IGNORE', reason);
  }

  /** Python's `Ignore()` args. */
  get pythonArgs(): unknown[] {
    return [];
  }
}

/**
 * Thrown by `task.replace(sig)`: the replacement is planned (same id, the request's callbacks,
 * errbacks, chain rest and chord membership); the worker carries out `effects` (publish, chord
 * sizes), then ends the run as Python's `Ignore('Replaced by new task')`: no state stored, message acked.
 */
export class Replaced extends Ignore {
  /** What applying the replacement does, in order. */
  readonly effects: CanvasEffect[];

  constructor(effects: CanvasEffect[]) {
    super('Replaced by new task');
    this.effects = effects;
  }

  /** Python's `Ignore('Replaced by new task')` args. */
  override get pythonArgs(): unknown[] {
    return [this.message];
  }
}

/**
 * `retry()` was called more than `max_retries` times and no `exc` was given: stored as FAILURE
 * `MaxRetriesExceededError` (celery.exceptions), exactly as Python words it.
 */
export class MaxRetriesExceededError extends CeleriacError {
  readonly pythonType = 'MaxRetriesExceededError';
  readonly pythonModule = 'celery.exceptions';
  /** The args the retry would have used. */
  readonly taskArgs: unknown[];
  /** The kwargs the retry would have used. */
  readonly taskKwargs: Record<string, unknown>;

  constructor(message: string, taskArgs: unknown[], taskKwargs: Record<string, unknown>) {
    super('CELERIAC_TASK_MAX_RETRIES', message);
    this.taskArgs = taskArgs;
    this.taskKwargs = taskKwargs;
  }

  /** Python's exception args. */
  get pythonArgs(): unknown[] {
    return [this.message];
  }
}

// The worker tells these apart by class; a task may throw them from another copy of celeriac (an app
// importing its sources while the worker runs its build), so instanceof must hold across copies.
markClassAcrossCopies(TaskSignal, 'TaskSignal');
markClassAcrossCopies(Retry, 'Retry');
markClassAcrossCopies(Reject, 'Reject');
markClassAcrossCopies(Ignore, 'Ignore');
markClassAcrossCopies(Replaced, 'Replaced');
markClassAcrossCopies(MaxRetriesExceededError, 'MaxRetriesExceededError');

/** Python's `Retry.__str__`: `Retry in 1s: ValueError('boom')` / `Retry at <iso>`. */
function describeRetry(when: number | Date | null, exc: Error | null): string {
  const human = when instanceof Date ? `at ${when.toISOString()}` : `in ${when ?? 0}s`;
  return exc ? `Retry ${human}: ${excRepr(exc)}` : `Retry ${human}`;
}

/** Python-style repr of an exception: `ValueError('boom')`. */
export function excRepr(exc: Error): string {
  const type = (exc as Error & { pythonType?: unknown }).pythonType;
  return `${typeof type === 'string' ? type : exc.name}(${pythonRepr(exc.message, { style: 'repr' })})`;
}
