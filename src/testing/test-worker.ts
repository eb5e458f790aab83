import pino, { type Logger } from 'pino';
import type { Celery } from '../app/celery';
import { MemoryResultBackend } from '../backend/memory-result-backend';
import { loadConfig } from '../config/load-config';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { CeleriacError } from '../errors/celeriac-error';
import type { AsyncResult } from '../producer/async-result';
import { createProducer } from '../producer/producer';
import { createTaskRouter, type TaskRoutes } from '../producer/task-router';
import { MemoryTransport } from '../transport/memory/memory-transport';
import { Worker } from '../worker/worker';
import { ManualClock } from './manual-clock';
import { buildSentTask, matchesSentTask, type SentTask, type SentTaskFilter } from './sent-task';

/** Options of `createTestWorker`. */
export interface TestWorkerOptions {
  /** Worker settings over the app's `conf` (environment variables are not read). Default queues: `celery` plus every task's `queue`. */
  conf?: SettingsInput;
  /** The clock of the worker and the producer; a new ManualClock at the real time by default. */
  clock?: ManualClock;
  /** Logger of the worker and the tasks (`task.log`); silent by default. */
  logger?: Logger;
  /** How long `drain()` waits by default, in ms (5000). */
  drainTimeoutMs?: number;
}

/** A test worker did not become idle in time, or was used after close. */
export class TestWorkerError extends CeleriacError {}

/**
 * A celeriac worker on the in-memory transport and result store, for unit tests of an app's tasks
 * without Redis: while it runs, the app's `delay()` / `applyAsync()` / `sendTask()` / `AsyncResult()`
 * go to it, the worker runs the tasks exactly as in production (argument mapping, retries, chains,
 * callbacks, results), and every message published is recorded in `sent`. Time is a ManualClock:
 * ETA/countdown tasks and retries run when the test `advance()`s it.
 */
export class TestWorker {
  /** Every task message published since start, in order. */
  readonly sent: SentTask[] = [];
  private closed: Promise<void> | null = null;

  private constructor(readonly app: Celery, readonly worker: Worker, readonly transport: MemoryTransport, readonly backend: MemoryResultBackend,
    readonly clock: ManualClock, readonly settings: Settings, private readonly drainTimeoutMs: number) {}

  /** Starts a worker for `app` and routes the app's sends to it. Close it with `close()` (e.g. in afterEach). */
  static async start(app: Celery, options: TestWorkerOptions = {}): Promise<TestWorker> {
    const taskQueues = app.taskNames().map((n) => app.getTask(n)?.options.queue).filter((q): q is string => typeof q === 'string');
    const settings = loadConfig({}, { worker_concurrency: 4, worker_queues: [...new Set(['celery', ...taskQueues])], ...options.conf }, app.conf);
    const clock = options.clock ?? new ManualClock();
    const logger = options.logger ?? pino({ level: 'silent' });
    const transport = new MemoryTransport();
    const backend = new MemoryResultBackend();
    const router = createTaskRouter(settings.task_routes as TaskRoutes | undefined, settings.task_default_queue);
    const worker = new Worker({ app, transport, backend, settings, hostname: 'celeriac@testing', logger, clock,
      followUps: { hostname: 'gen0@testing', replyTo: 'celeriac-testing', router } });
    const tw = new TestWorker(app, worker, transport, backend, clock, settings, options.drainTimeoutMs ?? 5000);
    const publish = transport.publish.bind(transport);
    transport.publish = async (message, route) => {
      tw.sent.push(buildSentTask(message, route));
      await publish(message, route);
    };
    await worker.start();
    app.useProducer(createProducer({ transport, backend, logger, signals: app.signals, origin: 'gen0@testing', now: () => new Date(clock.now()),
      conf: { task_routes: settings.task_routes as TaskRoutes | undefined, task_default_queue: settings.task_default_queue } }));
    return tw;
  }

  /** Sent tasks matching a task name or `{ task, queue, parentId }`, in order. */
  sentTasks(filter?: SentTaskFilter): SentTask[] {
    return this.sent.filter((s) => matchesSentTask(s, filter));
  }

  /** A handle on a task's result in the in-memory store. */
  result<Result = unknown>(taskId: string): Promise<AsyncResult<Result>> {
    return this.app.AsyncResult<Result>(taskId);
  }

  /**
   * Waits until the worker has nothing to do now: no task running or waiting for a slot, no message
   * ready on its queues. Tasks held for an ETA (countdown, retries) wait for `advance()`. Rejects
   * with TestWorkerError when that takes longer than `timeoutMs` (a task that never ends, a rate limit).
   */
  async drain(timeoutMs = this.drainTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!(await this.isBusy())) {
        await this.worker.waitIdle();
        await new Promise((resolve) => setImmediate(resolve));
        if (!(await this.isBusy())) return;
      }
      if (Date.now() > deadline) {
        throw new TestWorkerError('CELERIAC_TESTING_NOT_IDLE', `test worker still busy after ${timeoutMs} ms: ${this.worker.activeCount} running, `
          + `${this.worker.reservedRequests().length} waiting for a slot or a rate limit`);
      }
    }
  }

  /** Moves the clock forward (ETA/countdown tasks and retries due by then are released), then drains. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.drain();
  }

  /** Stops the worker and gives the app its own connections back. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.app.useProducer(null);
      await this.worker.close();
    })();
    return this.closed;
  }

  private async isBusy(): Promise<boolean> {
    if (this.worker.activeCount > 0 || this.worker.reservedRequests().length > 0) return true;
    for (const queue of this.worker.activeQueues()) if ((await this.transport.queueLength(queue)) > 0) return true;
    return false;
  }
}

/** Starts a TestWorker for `app` (see TestWorker). */
export function createTestWorker(app: Celery, options?: TestWorkerOptions): Promise<TestWorker> {
  return TestWorker.start(app, options);
}
