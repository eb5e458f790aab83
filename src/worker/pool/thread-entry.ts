import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, threadId, workerData, type MessagePort } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import { runInRequestScope, type RequestScope } from '../../app/request-context';
import { requireAppModule } from '../../app/require-app-module';
import type { RetryCall, TaskContext, TaskRequest } from '../../app/task-context';
import type { TaskDefinition } from '../../app/task-definition';
import { CeleriacError } from '../../errors/celeriac-error';
import { SoftTimeLimitExceeded } from '../time-limit-errors';
import { ThreadTaskNotRegistered } from './pool-errors';
import { deserializeError, serializeError } from './serialize-error';
import type { AbortReason, FromThread, RunEnd, ThreadData, ToThread } from './thread-messages';

/** What a thread needs of the app module: the task registry. */
interface TaskRegistry {
  getTask(name: string): TaskDefinition | undefined;
}

/** Thrown by `task.retry()` inside a thread; the main thread builds the real Retry from the same options. */
class ThreadRetry extends Error {
  constructor(readonly options: RetryCall) {
    super('retry requested');
  }
}

/**
 * Loads the app module by path, as the CLI's `-A` did in the main thread (a `.ts` app through the
 * same TypeScript loader, registered in this thread's own module system), and finds the app in it.
 */
export function loadThreadApp(appPath: string): TaskRegistry {
  const mod = requireAppModule(appPath) as Record<string, unknown> | null;
  for (const candidate of [mod?.default, mod?.app, mod]) {
    if (typeof candidate === 'object' && candidate !== null && typeof (candidate as TaskRegistry).getTask === 'function') return candidate as TaskRegistry;
  }
  throw new CeleriacError('CELERIAC_POOL_NOT_AN_APP', `app module ${appPath} does not export a Celery app`);
}

/** Serves `run` messages from the main thread: one task at a time per thread, results posted back. */
export class ThreadRunner {
  private readonly runs = new Map<number, AbortController>();
  private readonly stateCalls = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextCallId = 1;
  private readonly root: Logger;

  constructor(private readonly port: MessagePort, private readonly app: TaskRegistry, private readonly data: ThreadData) {
    this.root = pino({ level: data.logLevel, base: { pid: process.pid, thread: threadId } });
  }

  /** Handles one message from the main thread. */
  handle(m: ToThread): void {
    if (m.type === 'run') void this.run(m.runId, m.taskName, m.args, m.request, m.scope);
    else if (m.type === 'abort') this.runs.get(m.runId)?.abort(abortReason(m.reason));
    else {
      const call = this.stateCalls.get(m.callId);
      this.stateCalls.delete(m.callId);
      if (m.error) call?.reject(deserializeError(m.error));
      else call?.resolve();
    }
  }

  private async run(runId: number, taskName: string, args: unknown[], request: TaskRequest | null, scope: RequestScope | null): Promise<void> {
    const abort = new AbortController();
    this.runs.set(runId, abort);
    let end: RunEnd;
    try {
      const def = this.app.getTask(taskName);
      if (!def) throw new ThreadTaskNotRegistered(taskName, this.data.appPath);
      const call = request ? [this.context(runId, request, abort.signal, scope), ...args] : args;
      // The same request scope as on the main thread: currentRequest(), and the parent ids and
      // correlation headers of tasks the handler sends from this thread.
      end = { kind: 'value', value: await (scope ? runInRequestScope(scope, () => def.handler(...call)) : def.handler(...call)) };
    } catch (thrown) {
      if (thrown instanceof ThreadRetry) {
        const { exc, ...options } = thrown.options;
        end = { kind: 'retry', options, exc: exc === undefined ? null : serializeError(exc) };
      } else {
        end = { kind: 'error', error: serializeError(thrown) };
      }
    } finally {
      this.runs.delete(runId);
    }
    const heapUsedBytes = getHeapStatistics().used_heap_size;
    try {
      this.post({ type: 'done', runId, end, heapUsedBytes });
    } catch (cloneError) {
      // A result that cannot cross threads (a function, a class instance with private state) fails the task.
      this.post({ type: 'done', runId, end: { kind: 'error', error: serializeError(cloneError) }, heapUsedBytes });
    }
  }

  private context(runId: number, request: TaskRequest, signal: AbortSignal, scope: RequestScope | null): TaskContext {
    return {
      request,
      signal,
      // The main thread's task logger fields, correlation fields (`worker_log_context_fields`) included.
      log: this.root.child({ taskId: request.id, taskName: request.task, retries: request.retries, ...scope?.fields }),
      updateState: (state, meta) => new Promise<void>((resolve, reject) => {
        const callId = this.nextCallId++;
        this.stateCalls.set(callId, { resolve, reject });
        this.post({ type: 'update-state', runId, callId, state, meta: meta ?? null });
      }),
      retry: (options: RetryCall = {}): never => {
        throw new ThreadRetry(options);
      },
      // The replacement is published by the main thread's worker; not wired through the pool yet.
      replace: (): never => {
        throw new CeleriacError('CELERIAC_POOL_UNSUPPORTED', 'task.replace() is not available in pool: \'threads\' tasks yet');
      },
      addToChord: (() => Promise.reject(new CeleriacError('CELERIAC_POOL_UNSUPPORTED', 'task.addToChord() is not available in pool: \'threads\' tasks yet'))) as TaskContext['addToChord'],
    };
  }

  private post(m: FromThread): void {
    this.port.postMessage(m);
  }
}

function abortReason(reason: AbortReason): unknown {
  if (reason.kind === 'soft') return new SoftTimeLimitExceeded(reason.limitSec);
  // String reasons ('terminated' for revoke, 'returned-at-shutdown') arrive as the same strings the main thread used.
  if (reason.kind === 'text') return reason.text;
  return deserializeError(reason.error);
}

/** Thread main: load the app, say ready (or why not), then serve the main thread. */
function main(port: MessagePort, data: ThreadData): void {
  let app: TaskRegistry;
  try {
    app = loadThreadApp(data.appPath);
  } catch (thrown) {
    // Posting and returning lets the thread exit on its own; the pool fails waiting tasks with this error.
    port.postMessage({ type: 'load-failed', error: serializeError(thrown) } satisfies FromThread);
    return;
  }
  const runner = new ThreadRunner(port, app, data);
  port.on('message', (m: ToThread) => runner.handle(m));
  port.postMessage({ type: 'ready' } satisfies FromThread);
}

if (!isMainThread && parentPort && (workerData as { celeriacThread?: unknown } | null)?.celeriacThread === true) {
  main(parentPort, workerData as ThreadData);
}
