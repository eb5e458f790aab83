import type { Logger } from 'pino';
import type { Celery } from '../app/celery';
import { runInRequestScope } from '../app/request-context';
import { coerceError } from '../errors/coerce-error';
import type { TaskMessage } from '../protocol/task-message';
import { executeTask, type ExecutionOutcome } from './execute-task';
import type { ExecutionDeps } from './execution-deps';
import type { RequestTracker, TrackedRequest } from './request-tracker';
import { buildTaskRequestScope } from './signals/task-request-scope';
import type { WorkerSignals } from './signals/worker-signals';

/** What a TaskRunner runs with; the worker builds it. */
export interface TaskRunnerDeps {
  app: Pick<Celery, 'getTask'>;
  tracker: RequestTracker;
  signals: Pick<WorkerSignals, 'ended'>;
  /** Incremented per outcome. */
  counters: Record<ExecutionOutcome, number>;
  log: Logger;
  /** `worker_log_context_fields`: what a task's request scope carries into its logs and the tasks it sends. */
  contextFields: readonly string[];
  /** The per-task logger of a message. */
  taskLog(msg: TaskMessage): Logger;
  /** Current concurrency (`pool_grow` / `pool_shrink` change it). */
  concurrency(): number;
  /** True once a shutdown began: nothing more starts. */
  isStopping(): boolean;
  /** What every execution uses, but the slot release (the runner's own). */
  execution: Omit<ExecutionDeps, 'handlerEnded'>;
  /** A run ended and its request left the tracker (the worker checks whether it is idle). */
  runEnded(): void;
  /** Runs one request to its outcome (executeTask; a stand-in in unit tests). */
  execute?: typeof executeTask;
}

/**
 * Runs released requests in release order, at most `concurrency()` at once, each inside its request
 * scope (currentRequest()). A request holds its slot from start until its handler returns
 * (executeTask's `handlerEnded`), not until its result is stored and its message settled; it stays
 * 'active' in the tracker (inspect, shutdown waits) until then.
 */
export class TaskRunner {
  private readonly waiting: TrackedRequest[] = [];
  private readonly running = new Set<TrackedRequest>();
  private readonly execution: ExecutionDeps;
  private readonly execute: typeof executeTask;

  constructor(private readonly deps: TaskRunnerDeps) {
    this.execution = { ...deps.execution, handlerEnded: (req) => this.releaseSlot(req) };
    this.execute = deps.execute ?? executeTask;
  }

  /** Queues a request to start when a slot is free (call pump() to start what fits). */
  push(req: TrackedRequest): void {
    this.waiting.push(req);
  }

  /** Forgets every request not started yet (shutdown: the transport gives their messages back). */
  dropWaiting(): void {
    this.waiting.length = 0;
  }

  /** True while the request holds a slot (its handler has not returned). */
  holdsSlot(req: TrackedRequest): boolean {
    return this.running.has(req);
  }

  /** Starts waiting requests while slots are free. */
  pump(): void {
    while (!this.deps.isStopping() && this.running.size < this.deps.concurrency() && this.waiting.length > 0) {
      this.run(this.waiting.shift() as TrackedRequest);
    }
  }

  private releaseSlot(req: TrackedRequest): void {
    if (this.running.delete(req)) this.pump();
  }

  private run(req: TrackedRequest): void {
    const { deps } = this;
    const def = deps.app.getTask(req.msg.task);
    if (!def) return;
    deps.tracker.set(req, 'active');
    this.running.add(req);
    // Everything the run does (user code, follow-ups, signals) sees its request (currentRequest()).
    const scope = buildTaskRequestScope(req.msg, deps.contextFields);
    runInRequestScope(scope, () => this.execute(def, req, this.execution, deps.taskLog(req.msg)))
      // One reaction for both ends, outside the scope (what runEnded starts is not this task's): each
      // promise per task costs more while scopes are tracked. postrun's receivers still see the request.
      .then((outcome) => {
        try {
          runInRequestScope(scope, () => deps.signals.ended(req, outcome));
        } catch (thrown) {
          deps.log.error({ err: coerceError(thrown), taskId: req.msg.id }, 'unexpected error ending task');
        }
        deps.counters[outcome]++;
        this.ended(req);
      }, (thrown: unknown) => { deps.log.error({ err: coerceError(thrown), taskId: req.msg.id }, 'unexpected error running task'); this.ended(req); });
  }

  private ended(req: TrackedRequest): void {
    this.running.delete(req);
    this.deps.tracker.remove(req);
    this.deps.tracker.countRun(req.msg.shadow ?? req.msg.task);
    this.pump();
    this.deps.runEnded();
  }
}
