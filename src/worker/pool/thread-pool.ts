import { Worker as NodeWorker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { RequestScope } from '../../app/request-context';
import type { TaskRequest } from '../../app/task-context';
import { coerceError } from '../../errors/coerce-error';
import { TERMINATED } from '../abort-reasons';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../time-limit-errors';
import { PoolError, WorkerLostError } from './pool-errors';
import { resolveThreadEntry, type ThreadEntry } from './resolve-thread-entry';
import { deserializeError, serializeError } from './serialize-error';
import type { AbortReason, FromThread, RunEnd, ThreadData, ToThread } from './thread-messages';

/** How a ThreadPool is built. */
export interface ThreadPoolOptions {
  /** Absolute path of the app module each thread loads (the CLI's `-A`). */
  appPath: string;
  /** Threads at most (the worker's concurrency). */
  size: number;
  /** Recycle a thread after this many tasks (`worker_max_tasks_per_child`); null = never. */
  maxTasksPerThread?: number | null;
  /** Recycle a thread whose heap exceeds this many KiB after a task (`worker_max_memory_per_child`); null = never. */
  maxMemoryPerThreadKiB?: number | null;
  /** After a revoke with terminate, how long the task may take to stop on its signal before its thread is terminated. */
  terminateGraceMs?: number;
  log: Logger;
  /** pino level for loggers inside threads. Default: the logger's level. */
  logLevel?: string;
  /** Test seam: where threads start. */
  entry?: ThreadEntry;
}

/** One task for a thread. */
export interface ThreadJob {
  taskName: string;
  /** Bound positional arguments (structured-clone safe values). */
  args: unknown[];
  /** Plain request data for a bound task; null runs the handler without a context. */
  request: TaskRequest | null;
  /** The main thread's request scope of the run (ids, headers, correlation fields): the thread runs the handler in it. */
  scope?: RequestScope | null;
  /** The run's signal: soft limit/revoke are forwarded to the thread; TimeLimitExceeded terminates the thread. */
  signal: AbortSignal;
  /** Stores a custom state the task reported (`task.updateState`). */
  onUpdateState(state: string, meta: unknown): Promise<void>;
}

interface PendingJob {
  job: ThreadJob;
  runId: number;
  resolve(end: RunEnd): void;
  reject(err: Error): void;
  settled: boolean;
  thread: PoolThread | null;
  cleanup: Array<() => void>;
}

interface PoolThread {
  worker: NodeWorker;
  job: PendingJob | null;
  tasksRun: number;
  retiring: boolean;
  loadError: Error | null;
  crash: Error | null;
}

/**
 * Runs tasks on Node worker_threads, one task per thread at a time, so CPU-bound handlers leave the
 * event loop (heartbeats, control replies, other tasks) free. Threads start on demand up to `size`;
 * a hard time limit terminates the thread, and a thread that exits mid-task fails it with
 * WorkerLostError. Threads are recycled after N tasks or past a heap size, as Celery's
 * `max_tasks_per_child`/`max_memory_per_child` recycle prefork children.
 */
export class ThreadPool {
  private readonly threads = new Set<PoolThread>();
  private readonly queue: PendingJob[] = [];
  private readonly entry: ThreadEntry;
  private readonly log: Logger;
  private sizeNow: number;
  private nextRunId = 1;
  private closed: Promise<void> | null = null;

  constructor(private readonly opts: ThreadPoolOptions) {
    if (!(opts.size >= 1)) throw new PoolError('CELERIAC_POOL_BAD_SIZE', `thread pool size must be at least 1, got ${opts.size}`);
    this.sizeNow = opts.size;
    this.entry = opts.entry ?? resolveThreadEntry();
    this.log = opts.log.child({ component: 'thread-pool' });
  }

  /** Threads at most. */
  get size(): number {
    return this.sizeNow;
  }

  /** Threads alive now. */
  get threadCount(): number {
    return this.threads.size;
  }

  /** Changes the number of threads (`pool_grow`/`pool_shrink`); idle threads beyond it stop now, busy ones after their task. */
  resize(size: number): void {
    this.sizeNow = Math.max(1, size);
    let excess = this.threads.size - this.sizeNow;
    for (const t of this.threads) {
      if (excess <= 0) break;
      if (t.job === null && !t.retiring) { this.retire(t, 'pool shrunk'); excess--; }
    }
    this.dispatch();
  }

  /** Runs one task on a thread; resolves with how it ended, rejects with TimeLimitExceeded, WorkerLostError or PoolError. */
  run(job: ThreadJob): Promise<RunEnd> {
    if (this.closed) return Promise.reject(new PoolError('CELERIAC_POOL_CLOSED', 'thread pool is closed'));
    return new Promise<RunEnd>((resolve, reject) => {
      const pending: PendingJob = { job, runId: this.nextRunId++, resolve, reject, settled: false, thread: null, cleanup: [] };
      const onAbort = (): void => this.onAbort(pending);
      job.signal.addEventListener('abort', onAbort);
      pending.cleanup.push(() => job.signal.removeEventListener('abort', onAbort));
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Terminates every thread; queued tasks fail with PoolError. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const p of this.queue.splice(0)) this.settle(p, new PoolError('CELERIAC_POOL_CLOSED', 'thread pool closed before the task started'));
      await Promise.all([...this.threads].map((t) => { t.retiring = true; return t.worker.terminate(); }));
    })();
    return this.closed;
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let thread = [...this.threads].find((t) => t.job === null && !t.retiring);
      if (!thread) {
        if (this.liveCount() >= this.sizeNow) return;
        thread = this.spawn();
      }
      this.start(thread, this.queue.shift() as PendingJob);
    }
  }

  private liveCount(): number {
    let n = 0;
    for (const t of this.threads) if (!t.retiring) n++;
    return n;
  }

  private spawn(): PoolThread {
    const data: ThreadData & { celeriacThread: true } = {
      celeriacThread: true, appPath: this.opts.appPath, logLevel: this.opts.logLevel ?? this.opts.log.level,
    };
    const worker = new NodeWorker(this.entry.filename, { eval: this.entry.eval, workerData: data });
    // Idle threads must not keep the process alive; the worker closes them on shutdown.
    worker.unref();
    const thread: PoolThread = { worker, job: null, tasksRun: 0, retiring: false, loadError: null, crash: null };
    worker.on('message', (m: FromThread) => this.onMessage(thread, m));
    worker.on('error', (err) => { thread.crash = err; });
    worker.on('exit', (code) => this.onExit(thread, code));
    this.threads.add(thread);
    this.log.debug({ threadId: worker.threadId }, 'pool thread started');
    return thread;
  }

  private start(thread: PoolThread, p: PendingJob): void {
    thread.job = p;
    p.thread = thread;
    const { job } = p;
    this.post(thread, { type: 'run', runId: p.runId, taskName: job.taskName, args: job.args, request: job.request, scope: job.scope ?? null });
    if (job.signal.aborted) this.onAbort(p);
  }

  private onAbort(p: PendingJob): void {
    if (p.settled) return;
    const reason: unknown = p.job.signal.reason;
    const thread = p.thread;
    if (reason instanceof TimeLimitExceeded) {
      // A busy loop never sees a signal: stop the thread itself, as Celery's hard limit kills the child.
      this.settle(p, reason);
      if (thread) this.retire(thread, 'hard time limit');
      return;
    }
    if (!thread) {
      if (reason === TERMINATED) this.settle(p, new WorkerLostError('terminated before start'));
      return;
    }
    this.post(thread, { type: 'abort', runId: p.runId, reason: toAbortReason(reason) });
    if (reason === TERMINATED) {
      const timer = setTimeout(() => {
        if (p.settled || thread.job !== p) return;
        this.settle(p, new WorkerLostError('terminated by revoke'));
        this.retire(thread, 'revoked with terminate');
      }, this.opts.terminateGraceMs ?? 1000);
      timer.unref();
      p.cleanup.push(() => clearTimeout(timer));
    }
  }

  private onMessage(thread: PoolThread, m: FromThread): void {
    if (m.type === 'ready') return;
    if (m.type === 'load-failed') {
      thread.loadError = new PoolError('CELERIAC_POOL_APP_LOAD_FAILED',
        `a pool thread cannot load the app module ${this.opts.appPath}: ${m.error.message}`, { cause: deserializeError(m.error) });
      return;
    }
    const p = thread.job;
    if (!p || p.runId !== m.runId) return;
    if (m.type === 'update-state') {
      p.job.onUpdateState(m.state, m.meta).then(
        () => this.post(thread, { type: 'state-stored', callId: m.callId, error: null }),
        (e: unknown) => this.post(thread, { type: 'state-stored', callId: m.callId, error: serializeError(e) }));
      return;
    }
    thread.job = null;
    thread.tasksRun++;
    this.settle(p, m.end);
    const { maxTasksPerThread, maxMemoryPerThreadKiB } = this.opts;
    const heapKiB = Math.round(m.heapUsedBytes / 1024);
    if (maxTasksPerThread && thread.tasksRun >= maxTasksPerThread) this.retire(thread, 'max tasks per child reached');
    else if (maxMemoryPerThreadKiB && heapKiB > maxMemoryPerThreadKiB) this.retire(thread, 'max memory per child exceeded', { heapKiB });
    else if (this.liveCount() > this.sizeNow) this.retire(thread, 'pool shrunk');
    this.dispatch();
  }

  private onExit(thread: PoolThread, code: number): void {
    this.threads.delete(thread);
    const p = thread.job;
    thread.job = null;
    if (p && !p.settled) {
      const detail = thread.crash ? `${thread.crash.name}: ${thread.crash.message}` : `exitcode ${code}`;
      this.settle(p, thread.loadError ?? new WorkerLostError(detail, thread.crash ? { cause: thread.crash } : undefined));
    }
    if (thread.loadError) {
      // The app module does not load in a thread: fail what waits instead of starting thread after thread.
      for (const q of this.queue.splice(0)) this.settle(q, thread.loadError);
    } else if (!thread.retiring) {
      this.log.warn({ threadId: thread.worker.threadId, exitCode: code, err: thread.crash ?? undefined }, 'pool thread exited unexpectedly');
    }
    this.dispatch();
  }

  private retire(thread: PoolThread, why: string, extra: Record<string, unknown> = {}): void {
    if (thread.retiring) return;
    thread.retiring = true;
    this.log.info({ threadId: thread.worker.threadId, tasksRun: thread.tasksRun, ...extra }, `pool thread replaced: ${why}`);
    thread.worker.terminate().catch((e: unknown) => this.log.warn({ err: coerceError(e) }, 'cannot terminate pool thread'));
  }

  private settle(p: PendingJob, outcome: RunEnd | Error): void {
    if (p.settled) return;
    p.settled = true;
    for (const c of p.cleanup) c();
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private post(thread: PoolThread, m: ToThread): void {
    try {
      thread.worker.postMessage(m);
    } catch (thrown) {
      // Arguments that cannot cross threads fail this task only.
      if (m.type === 'run' && thread.job?.runId === m.runId) {
        const p = thread.job;
        thread.job = null;
        this.settle(p, coerceError(thrown));
        return;
      }
      this.log.warn({ err: coerceError(thrown), type: m.type }, 'cannot post message to pool thread');
    }
  }
}

function toAbortReason(reason: unknown): AbortReason {
  if (reason instanceof SoftTimeLimitExceeded) return { kind: 'soft', limitSec: reason.limitSec };
  if (typeof reason === 'string') return { kind: 'text', text: reason };
  return { kind: 'other', error: serializeError(reason) };
}
