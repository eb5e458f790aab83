import { TaskError } from '../errors/celeriac-error';
import { markClassAcrossCopies } from '../errors/mark-class-across-copies';

/**
 * The soft time limit passed: the task's AbortSignal is aborted with this as its reason, so
 * `signal.throwIfAborted()` or an aborted fetch raises it (catchable, for cleanup). Stored in Python
 * as `SoftTimeLimitExceeded` (billiard's class, which celery.exceptions re-exports) if the task lets it escape.
 */
export class SoftTimeLimitExceeded extends TaskError {
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

// `err instanceof SoftTimeLimitExceeded` in a task catches the worker's, whichever copy each loaded.
markClassAcrossCopies(SoftTimeLimitExceeded, 'SoftTimeLimitExceeded');
markClassAcrossCopies(TimeLimitExceeded, 'TimeLimitExceeded');
