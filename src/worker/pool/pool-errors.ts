import { CeleriacError, TaskError } from '../../errors/celeriac-error';

/**
 * The thread running a task exited or crashed before the task finished. Stored in Python as
 * `billiard.exceptions.WorkerLostError`, the class a prefork worker stores when its child dies.
 */
export class WorkerLostError extends TaskError {
  readonly pythonType = 'WorkerLostError';
  readonly pythonModule = 'billiard.exceptions';

  constructor(detail: string, options?: { cause?: unknown }) {
    super('CELERIAC_POOL_WORKER_LOST', `Worker exited prematurely: ${detail}.`, options);
    this.name = 'WorkerLostError';
  }

  /** Python's exception args. */
  get pythonArgs(): unknown[] {
    return [this.message];
  }
}

/** A thread was asked to run a task its copy of the app does not register (the app module differs from the main thread's). */
export class ThreadTaskNotRegistered extends TaskError {
  readonly pythonType = 'NotRegistered';
  readonly pythonModule = 'celery.exceptions';

  constructor(readonly taskName: string, appPath: string) {
    super('CELERIAC_POOL_TASK_NOT_REGISTERED', `task ${taskName} is not registered by the app module a pool thread loaded (${appPath})`);
    this.name = 'NotRegistered';
  }

  /** Python's exception args: the task name, as Celery's NotRegistered carries it. */
  get pythonArgs(): unknown[] {
    return [this.taskName];
  }
}

/** The thread pool cannot run tasks: no app path, closed, or the app module failed to load in a thread. */
export class PoolError extends CeleriacError {}
