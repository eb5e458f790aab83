import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { CanvasError } from '../canvas/canvas-error';
import { Ignore, MaxRetriesExceededError, Reject } from '../canvas/task-signals';
import { TaskError } from '../errors/celeriac-error';
import { coerceError } from '../errors/coerce-error';
import { formatTraceback } from '../protocol/encode-exception';
import { pythonRepr } from '../protocol/python-repr';
import type { SendTaskOptions } from '../producer/producer';
import type { Settings } from '../config/settings-schema';
import { isAutoretried, resolveRetryLimits, retryDefaultsOf, type RetryDefaults } from '../worker/autoretry';
import { createTaskLogger } from '../worker/task-logger';
import { bindArguments } from './bind-arguments';
import { EagerResult } from './eager-result';
import { buildChildScope, currentRequest, runInRequestScope, type RequestScope } from './request-context';
import type { RetryCall, TaskContext, TaskRequest } from './task-context';
import type { TaskDefinition } from './task-definition';

/** Sending a task name no task is registered under, in eager mode (Python raises `celery.exceptions.NotRegistered`). */
export class NotRegisteredError extends TaskError {
  readonly pythonType = 'NotRegistered';
  readonly pythonModule = 'celery.exceptions';
  /** The name that was sent. */
  readonly taskName: string;

  constructor(taskName: string, known: readonly string[]) {
    super('CELERIAC_TASK_NOT_REGISTERED', `task ${taskName} is not registered in this app, so eager mode (task_always_eager) cannot run it; `
      + `registered: ${known.length > 0 ? known.join(', ') : 'none'}`);
    this.taskName = taskName;
  }

  /** Python's exception args. */
  get pythonArgs(): unknown[] {
    return [this.taskName];
  }
}

/** What an eager run follows (from the app's settings). */
export interface EagerPolicy {
  /** `task_eager_propagates`: a failure rejects the send itself instead of resolving to a FAILURE result. */
  propagates: boolean;
  /** App-wide retry defaults (`task_max_retries`, `task_autoretry_for`, ...). */
  retryDefaults: RetryDefaults;
  /** `worker_log_context_fields`: correlation fields logged and carried to nested sends. */
  contextFields: readonly string[];
  log: Logger;
}

/** The eager policy of an app's settings. */
export function eagerPolicyOf(settings: Settings, log: Logger): EagerPolicy {
  return { propagates: settings.task_eager_propagates, retryDefaults: retryDefaultsOf(settings), contextFields: settings.worker_log_context_fields, log };
}

/** Thrown by `task.retry()` of an eager run: the run loop re-runs the task in process (retries + 1). */
class EagerRetryRequest extends Error {
  constructor(readonly args: unknown[] | undefined, readonly kwargs: Record<string, unknown> | undefined) {
    super('eager retry');
  }
}

/**
 * Runs a registered task in process, as Celery's `Task.apply()` under `task_always_eager`: arguments
 * mapped as the worker maps them, a TaskContext for bound tasks, a request scope (correlation
 * fields, parent/root ids of tasks it sends), and `retry()` (explicit or `autoretryFor`) re-running
 * the task at once with `retries + 1` up to its retry limit (Python's eager retry ignores countdowns).
 */
export async function applyEager<Result>(def: TaskDefinition, args: unknown[], kwargs: Record<string, unknown>, options: SendTaskOptions,
  policy: EagerPolicy): Promise<EagerResult<Result>> {
  const id = options.taskId ?? randomUUID();
  const limits = resolveRetryLimits(def, policy.retryDefaults);
  const parent = currentRequest();
  let call = { args, kwargs, retries: 0 };
  for (;;) {
    const scope = buildChildScope(parent, { id, task: def.name, headers: options.headers ?? {}, kwargs: call.kwargs }, policy.contextFields);
    const log = createTaskLogger(policy.log, { taskId: id, taskName: def.name, retries: call.retries, ...scope.fields });
    const current = call;
    try {
      const value = await runInRequestScope(scope, async () => {
        const bound = bindArguments(def, current.args, current.kwargs);
        const ctx = def.options.bind ? buildEagerContext(def, scope, current, options, log, limits.maxRetries) : null;
        return (await def.handler(...(ctx ? [ctx, ...bound] : bound))) as Result;
      });
      log.debug('eager task succeeded');
      return new EagerResult<Result>(id, def.name, { state: 'SUCCESS', value });
    } catch (thrown) {
      if (thrown instanceof EagerRetryRequest) {
        call = { args: thrown.args ?? current.args, kwargs: thrown.kwargs ?? current.kwargs, retries: current.retries + 1 };
        continue;
      }
      const err = coerceError(thrown);
      if (isAutoretried(def, policy.retryDefaults, err) && withinLimit(current.retries, limits.maxRetries)) {
        log.info({ err }, 'eager task retried');
        call = { ...current, retries: current.retries + 1 };
        continue;
      }
      if (err instanceof Ignore || err instanceof Reject) {
        return new EagerResult<Result>(id, def.name, { state: err instanceof Ignore ? 'IGNORED' : 'REJECTED', error: err, traceback: formatTraceback(err) });
      }
      log.error({ err }, 'eager task failed');
      if (policy.propagates) throw err;
      return new EagerResult<Result>(id, def.name, { state: 'FAILURE', error: err, traceback: formatTraceback(err) });
    }
  }
}

function withinLimit(retries: number, maxRetries: number | null): boolean {
  return maxRetries === null || retries < maxRetries;
}

function buildEagerContext(def: TaskDefinition, scope: RequestScope, call: { args: unknown[]; kwargs: Record<string, unknown>; retries: number },
  options: SendTaskOptions, log: Logger, defaultMaxRetries: number | null): TaskContext {
  const hostname = `eager@${osHostname()}`;
  const request: TaskRequest = {
    id: scope.id, task: def.name, args: call.args, kwargs: call.kwargs, retries: call.retries, rootId: scope.rootId, parentId: scope.parentId,
    group: null, groupIndex: null, eta: null, expires: null, headers: { ...options.headers },
    deliveryInfo: { exchange: options.exchange ?? '', routingKey: options.routingKey ?? options.queue ?? def.options.queue ?? '', priority: options.priority ?? null,
      redelivered: false },
    hostname, origin: hostname, replyTo: null, correlationId: scope.id, properties: {}, stampedHeaders: null, stamps: {},
  };
  return {
    request,
    // Nothing aborts an eager run: there is no revoke, time limit or shutdown in process.
    signal: new AbortController().signal,
    log,
    updateState: async (state, meta) => {
      // No result store in eager mode (as Python's apply() without task_store_eager_result): the state is logged.
      log.debug({ state, meta }, 'eager task state');
    },
    retry: (retry: RetryCall = {}): never => {
      const maxRetries = retry.maxRetries !== undefined ? retry.maxRetries : defaultMaxRetries;
      if (!withinLimit(call.retries, maxRetries)) {
        if (retry.exc !== undefined) throw retry.exc;
        const args = retry.args ?? call.args;
        const kwargs = retry.kwargs ?? call.kwargs;
        throw new MaxRetriesExceededError(`Can't retry ${def.name}[${scope.id}] args:${pythonRepr(args, { tuple: true })} kwargs:${pythonRepr(kwargs)}`, args, kwargs);
      }
      throw new EagerRetryRequest(retry.args, retry.kwargs);
    },
    // Python's eager replace applies the canvas eagerly; celeriac applies no canvas eagerly yet.
    replace: (): never => {
      throw new CanvasError('CELERIAC_CANVAS_EAGER', 'task.replace() cannot run eagerly (task_always_eager) yet');
    },
    addToChord: (() => Promise.reject(new CanvasError('CELERIAC_CANVAS_EAGER', 'task.addToChord() cannot run eagerly (task_always_eager) yet'))) as TaskContext['addToChord'],
  };
}
