import { currentRequest } from '../../app/request-context';
import type { TaskContext } from '../../app/task-context';
import type { TaskDefinition } from '../../app/task-definition';
import { Reject } from '../../canvas/task-signals';
import { TERMINATED } from '../abort-reasons';
import type { TrackedRequest } from '../request-tracker';
import { PoolError, WorkerLostError } from './pool-errors';
import { deserializeError } from './serialize-error';
import type { ThreadPool } from './thread-pool';

/** One handler call routed to the thread pool. */
export interface ThreadCall {
  def: TaskDefinition;
  /** Bound positional arguments (after keyword mapping and schema). */
  args: unknown[];
  req: TrackedRequest;
  /** The main thread's context for a bound task: its retry/updateState do the real work; null when not bound. */
  ctx: TaskContext | null;
  /** The task's effective acks_late. */
  acksLate: boolean;
}

/** What the executor asks of the thread pool. */
export interface ThreadDispatch {
  /** True when this task runs on threads (its `pool` option, else the worker's `worker_pool`). */
  handles(def: TaskDefinition): boolean;
  /** Runs the handler on a thread and returns its value; throws its error (same Python class), Retry, Reject or TimeLimitExceeded. */
  run(call: ThreadCall): Promise<unknown>;
}

/** Worker-level pool policy. */
export interface ThreadDispatchOptions {
  /** The worker's default pool (`worker_pool` / `-P`). */
  defaultPool: 'threads' | 'event';
  /** `task_reject_on_worker_lost`: with acks_late, a lost thread requeues the message instead of storing FAILURE. */
  rejectOnWorkerLost: boolean;
}

/** Bridges the executor to a ThreadPool: abort signal, updateState and retry go through the main thread's context. */
export function createThreadDispatch(pool: ThreadPool, options: ThreadDispatchOptions): ThreadDispatch {
  return {
    handles: (def) => (def.options.pool ?? options.defaultPool) === 'threads',
    run: async ({ def, args, req, ctx, acksLate }) => {
      let end;
      try {
        end = await pool.run({
          // The executor runs in the task's request scope: the thread recreates it around the handler.
          taskName: def.name, args, request: ctx ? ctx.request : null, scope: currentRequest() ?? null, signal: req.abort.signal,
          onUpdateState: (state, meta) => (ctx ? ctx.updateState(state, meta)
            : Promise.reject(new PoolError('CELERIAC_POOL_NOT_BOUND', 'updateState needs a bound task'))),
        });
      } catch (thrown) {
        // As Celery: a lost worker requeues only for acks_late tasks with reject_on_worker_lost (never a revoked one).
        if (thrown instanceof WorkerLostError && acksLate && options.rejectOnWorkerLost && req.abort.reason !== TERMINATED) {
          throw new Reject(thrown.message, true);
        }
        throw thrown;
      }
      if (end.kind === 'value') return end.value;
      if (end.kind === 'error') throw deserializeError(end.error);
      if (!ctx) throw new PoolError('CELERIAC_POOL_NOT_BOUND', `task ${def.name} asked to retry but is not bound`);
      return ctx.retry({ ...end.options, ...(end.exc ? { exc: deserializeError(end.exc) } : {}) });
    },
  };
}
