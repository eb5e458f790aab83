import type { Logger } from 'pino';
import type { SignalName, SignalPayloads, SignalRequest, Signals } from '../../app/signals';
import { coerceError } from '../../errors/coerce-error';
import { formatTraceback } from '../../protocol/encode-exception';
import type { ExecutionOutcome } from '../execute-task';
import type { PoisonReport } from '../handle-poison';
import type { TrackedRequest } from '../request-tracker';
import type { TaskEventFields, TaskEventSink, TaskEventType } from '../worker-state';

/** Worker lifecycle signals. */
export type WorkerLifecycleSignal = 'worker_init' | 'worker_ready' | 'worker_shutting_down' | 'worker_shutdown';

/**
 * Sends the app's signals from the worker: the task signals follow the task events the execution
 * already emits (so they fire at the same points: received, started = prerun, succeeded/failed/
 * retried/rejected then postrun, revoked), lifecycle signals are awaited by start/close. Task signal
 * receivers run inside the task's request scope, one task's in order, without holding the task up:
 * `track` keeps the worker from reporting idle (or closing) before they end.
 */
export class WorkerSignals {
  private readonly chains = new Map<string, Promise<void>>();
  /** Runs that sent task_prerun and not yet task_postrun. */
  private readonly open = new Set<string>();

  constructor(private readonly signals: Signals, private readonly hostname: string, private readonly log: Logger,
    private readonly track: (p: Promise<unknown>) => void) {}

  /** Runs a lifecycle signal's receivers (awaited: `worker_init` before connecting, `worker_shutdown` after closing). */
  lifecycle(name: WorkerLifecycleSignal): Promise<void> {
    return this.signals.has(name) ? this.signals.send(name, { hostname: this.hostname }, this.log) : Promise.resolve();
  }

  /** `task_unknown` for an unregistered task name, `task_rejected` for any other refused message. */
  refused(report: PoisonReport): void {
    if (report.code === 'CELERIAC_TASK_NOT_REGISTERED' && report.message) {
      this.queue(report.message.id, 'task_unknown', { taskId: report.message.id, name: report.message.task, message: report.reason });
    } else {
      this.queue(report.taskId ?? '', 'task_rejected', { taskId: report.taskId ?? null, taskName: report.taskName ?? null, reason: report.reason });
    }
  }

  /** `task_received`: called by the worker once it took a delivery as a request (before ETA hold or rate limit). */
  received(req: TrackedRequest): void {
    if (this.signals.has('task_received') || this.chains.has(req.msg.id)) this.queue(req.msg.id, 'task_received', { request: toSignalRequest(req, this.hostname) });
  }

  /** A TaskEventSink that turns task events into signals; `find` maps a task id to its tracked request. */
  taskSink(find: (taskId: string) => TrackedRequest | undefined): TaskEventSink {
    return {
      taskEvent: (type, fields) => {
        // Most apps connect no task signal: then only the prerun/postrun bookkeeping runs (no request lookup or payloads).
        if (this.chains.has(fields.uuid) || EVENT_SIGNALS[type].some((name) => this.signals.has(name))) this.onTaskEvent(type, fields, find(fields.uuid));
        else if (type === 'task-started') this.open.add(fields.uuid);
        else if (EVENT_SIGNALS[type].includes('task_postrun')) this.open.delete(fields.uuid);
      },
    };
  }

  private onTaskEvent(type: TaskEventType, fields: TaskEventFields, req: TrackedRequest | undefined): void {
    if (!req) return;
    const request = toSignalRequest(req, this.hostname);
    const taskName = request.task;
    const base = { taskId: request.id, taskName, request, args: request.args, kwargs: request.kwargs };
    const postrun = (state: string, retval: unknown): void => this.postrun(req, state, retval);
    switch (type) {
      case 'task-started':
        this.open.add(request.id);
        return this.queue(request.id, 'task_prerun', base);
      case 'task-succeeded':
        this.queue(request.id, 'task_success', { taskName, request, result: fields.result });
        return postrun('SUCCESS', fields.result);
      case 'task-failed': {
        const exception = coerceError(fields.error);
        this.queue(request.id, 'task_failure', { ...base, exception, traceback: formatTraceback(exception) });
        return postrun('FAILURE', exception);
      }
      case 'task-retried': {
        const retry = fields.error as { exc?: Error | null } | undefined;
        this.queue(request.id, 'task_retry', { taskName, request, reason: retry?.exc ?? null });
        return postrun('RETRY', fields.error);
      }
      case 'task-rejected': return postrun('REJECTED', fields.error);
      case 'task-revoked':
        this.queue(request.id, 'task_revoked', { taskName, request, terminated: fields.terminated ?? false, expired: fields.expired ?? false,
          signum: fields.signum ?? null });
        return req.startedAtMs !== null ? postrun('REVOKED', null) : undefined;
      default: return undefined;
    }
  }

  /**
   * `task_postrun` for a run that ended with no task event: Ignore (Celery's trace sends postrun with
   * state IGNORED and the Ignore as retval, and no task event). Also used for every other outcome.
   */
  postrun(req: TrackedRequest, state: string, retval: unknown): void {
    this.open.delete(req.msg.id);
    const request = toSignalRequest(req, this.hostname);
    this.queue(request.id, 'task_postrun', { taskId: request.id, taskName: request.task, request, args: request.args, kwargs: request.kwargs,
      retval, state }, true);
  }

  /**
   * Called once a run's execution ended: a run that started and sent no postrun yet gets it now, so
   * every task_prerun has its task_postrun (Celery sends it in a `finally`). These are runs whose
   * message went back to its queue with nothing recorded (store failed under acks_late, retry not
   * publishable, returned at shutdown): state REJECTED, as the worker counts them, retval null.
   */
  ended(req: TrackedRequest, outcome: ExecutionOutcome): void {
    if (this.open.has(req.msg.id)) this.postrun(req, OUTCOME_STATES[outcome], null);
  }

  /** Chains the signal after the task's earlier ones (prerun's receivers end before postrun's start). */
  private queue<N extends SignalName>(taskId: string, name: N, payload: SignalPayloads[N], last = false): void {
    if (!this.signals.has(name) && !this.chains.has(taskId)) return;
    const previous = this.chains.get(taskId) ?? Promise.resolve();
    const next = previous.then(() => this.signals.send(name, payload, this.log));
    if (last) {
      this.chains.delete(taskId);
    } else {
      this.chains.set(taskId, next);
      // A chain with no later signal must not stay in the map.
      void next.then(() => { if (this.chains.get(taskId) === next) this.chains.delete(taskId); });
    }
    this.track(next);
  }
}

/** The task signals each task event sends (onTaskEvent), task_postrun where the event ends a run. */
const EVENT_SIGNALS: Record<TaskEventType, readonly SignalName[]> = {
  'task-received': [],
  'task-started': ['task_prerun'],
  'task-succeeded': ['task_success', 'task_postrun'],
  'task-failed': ['task_failure', 'task_postrun'],
  'task-retried': ['task_retry', 'task_postrun'],
  'task-rejected': ['task_postrun'],
  'task-revoked': ['task_revoked', 'task_postrun'],
};

/** task_postrun's state for how a run ended. */
const OUTCOME_STATES: Record<ExecutionOutcome, string> = {
  succeeded: 'SUCCESS', failed: 'FAILURE', revoked: 'REVOKED', retried: 'RETRY', rejected: 'REJECTED', ignored: 'IGNORED',
};

/** The request a task signal carries. */
function toSignalRequest(req: TrackedRequest, hostname: string): SignalRequest {
  const { msg } = req;
  return { id: msg.id, task: msg.task, args: msg.args, kwargs: msg.kwargs, retries: msg.retries, rootId: msg.rootId, parentId: msg.parentId,
    headers: msg.customHeaders, eta: msg.eta, hostname };
}
