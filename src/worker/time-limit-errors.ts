import { TaskError } from '../errors/celeriac-error';

/**
 * Marks of the two classes, registered globally (`Symbol.for`) so `instanceof` holds across copies
 * of this module: an app that imports celeriac from its sources (or from another installed copy)
 * while the worker runs another build still catches the worker's SoftTimeLimitExceeded with
 * `err instanceof SoftTimeLimitExceeded`, as a Python task catches billiard's class.
 */
const SOFT_MARK = Symbol.for('celeriac.SoftTimeLimitExceeded');
const HARD_MARK = Symbol.for('celeriac.TimeLimitExceeded');

function hasMark(value: unknown, mark: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark] === true;
}

/**
 * The soft time limit passed: the task's AbortSignal is aborted with this as its reason, so
 * `signal.throwIfAborted()` or an aborted fetch raises it (catchable, for cleanup). Stored in Python
 * as `SoftTimeLimitExceeded` (billiard's class, which celery.exceptions re-exports) if the task lets it escape.
 */
export class SoftTimeLimitExceeded extends TaskError {
  static override [Symbol.hasInstance](value: unknown): boolean { return hasMark(value, SOFT_MARK); }
  readonly [SOFT_MARK] = true;
  readonly pythonType = 'SoftTimeLimitExceeded';
  readonly pythonModule = 'billiard.exceptions';

  constructor(readonly limitSec: number) {
    super('CELERIAC_TASK_SOFT_TIME_LIMIT', `soft time limit (${limitSec}s) exceeded`);
    this.name = 'SoftTimeLimitExceeded';
  }

  /** Python's exception args. */
  get pythonArgs(): unknown[] {
    return [`SoftTimeLimitExceeded(${this.limitSec})`];
  }
}

/** The hard time limit passed: the run is abandoned and stored as billiard's `TimeLimitExceeded(<hard>)`, as a Python worker stores it. */
export class TimeLimitExceeded extends TaskError {
  static override [Symbol.hasInstance](value: unknown): boolean { return hasMark(value, HARD_MARK); }
  readonly [HARD_MARK] = true;
  readonly pythonType = 'TimeLimitExceeded';
  readonly pythonModule = 'billiard.exceptions';

  constructor(readonly limitSec: number) {
    super('CELERIAC_TASK_TIME_LIMIT', `hard time limit (${limitSec}s) exceeded`);
    this.name = 'TimeLimitExceeded';
  }

  /** Python's exception args: the hard limit in seconds. */
  get pythonArgs(): unknown[] {
    return [this.limitSec];
  }
}
