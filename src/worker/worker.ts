import type { Logger } from 'pino';
import type { Celery } from '../app/celery';
import type { ResultBackend } from '../backend/result-backend';
import type { FollowUpContext } from '../canvas/plan-follow-ups';
import type { Settings } from '../config/settings-schema';
import { coerceError } from '../errors/coerce-error';
import type { TaskMessage } from '../protocol/task-message';
import type { Consumer, Transport } from '../transport/transport';
import { systemClock, type Clock } from './clock';
import { RevokedSet } from './control/revoked-set';
import { RevokedStamps } from './control/revoked-stamps';
import { buildExecutionDeps } from './build-execution-deps';
import { buildTaskInfo } from './build-task-info';
import { RETURNED, TERMINATED } from './abort-reasons';
import type { ExecutionOutcome } from './execute-task';
import { RequestTracker } from './request-tracker';
import { waitWithSoftShutdown } from './soft-shutdown';
import { closeWithin } from './close-within';
import { ResultWriter } from './result-writer';
import { settle } from './settle-delivery';
import { isStored } from './store-outcome';
import { createTaskLogger } from './task-logger';
import { pickContextFields } from '../app/request-context';
import { WorkerSignals } from './signals/worker-signals';
import { TaskLimits } from './task-limits';
import { TaskRunner } from './task-runner';
import { TaskIntake } from './task-intake';
import { createThreadDispatch, type ThreadDispatch } from './pool/thread-dispatch';
import { ThreadPool } from './pool/thread-pool';
import type {
  RequestInfo, TaskEventFields, TaskInfo, TaskEventSink, TaskEventType, WorkerController, WorkerInspector, WorkerMonitor,
} from './worker-state';

/** Everything a worker is built from; the CLI composes it. */
export interface WorkerDeps {
  app: Celery;
  transport: Transport;
  /** Null when results are disabled. */
  backend: ResultBackend | null;
  settings: Settings;
  /** Expanded node name, e.g. `ts1@host`. */
  hostname: string;
  logger: Logger;
  clock?: Clock;
  /** Called when remote control asks for a shutdown; the CLI closes the worker and exits. */
  onShutdownRequested?: () => void;
  /** Origin and routing of messages the worker publishes (callbacks, chains, retries). */
  followUps: Pick<FollowUpContext, 'hostname' | 'replyTo' | 'router'>;
  /** Absolute path of the app module (`-A`): pool threads load it to run `pool: 'threads'` tasks. Without it every task runs on the event loop. */
  appPath?: string;
}

/** Counters a worker keeps. */
export type WorkerCounters = Record<ExecutionOutcome | 'received' | 'refused', number>;

/**
 * The consumer loop: receives deliveries within the prefetch bound (`concurrency ×
 * worker_prefetch_multiplier`), refuses poison, holds ETA tasks unacked, and runs at most
 * `concurrency` tasks at once in receive order. Knows only the Transport and ResultBackend
 * interfaces; exposes its state to remote control, events and metrics.
 */
export class Worker implements WorkerInspector, WorkerController {
  readonly counters: WorkerCounters = { received: 0, refused: 0, succeeded: 0, failed: 0, revoked: 0, retried: 0, rejected: 0, ignored: 0 };
  readonly hostname: string;
  readonly settings: Settings;
  readonly startedAtMs: number;
  /** Revoked ids (remote control, peers' `hello`), consulted at receipt and before running. */
  readonly revoked = new RevokedSet();
  /** Stamps flagged by `revoke_by_stamped_headers`, consulted with the ids. */
  readonly revokedStamps = new RevokedStamps();
  /** Rate and time limits per task type (changed by `rate_limit` / `time_limit`). */
  readonly limits: TaskLimits;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly writer: ResultWriter;
  private readonly tracker: RequestTracker;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly sinks: TaskEventSink[] = [];
  private readonly monitors: WorkerMonitor[] = [];
  private consumer: Consumer | null = null;
  private concurrencyNow: number;
  private extraPrefetch = 0;
  private stopping = false;
  private closed: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: WorkerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.hostname = deps.hostname;
    this.settings = deps.settings;
    this.startedAtMs = this.clock.now();
    this.concurrencyNow = deps.settings.worker_concurrency;
    this.log = deps.logger.child({ component: 'worker' });
    this.tracker = new RequestTracker(deps.hostname);
    this.limits = new TaskLimits(deps.app, deps.settings, () => this.clock.now());
    this.signals = new WorkerSignals(deps.app.signals, deps.hostname, this.log.child({ component: 'signals' }), (p) => this.track(p));
    this.addEventSink(this.signals.taskSink((id) => this.tracker.findById(id)[0]));
    this.writer = new ResultWriter(deps.backend, {
      extended: deps.settings.result_extended,
      expiresSec: deps.settings.result_expires === 0 ? null : deps.settings.result_expires,
      now: () => this.clock.now(),
      maxResultBytes: deps.settings.result_max_bytes,
      retry: { maxRetries: deps.settings.result_backend_max_retries, baseDelayMs: deps.settings.result_backend_base_sleep_between_retries_ms,
        maxDelayMs: deps.settings.result_backend_max_sleep_between_retries_ms },
      isStopping: () => this.stopping,
      clock: this.clock,
    }, this.log);
    if (deps.appPath) {
      // Threads start on demand, so a worker whose tasks all run on the event loop pays nothing.
      this.pool = new ThreadPool({ appPath: deps.appPath, size: this.concurrencyNow, log: this.log,
        maxTasksPerThread: deps.settings.worker_max_tasks_per_child ?? null, maxMemoryPerThreadKiB: deps.settings.worker_max_memory_per_child ?? null });
      this.threads = createThreadDispatch(this.pool, { defaultPool: deps.settings.worker_pool === 'threads' ? 'threads' : 'event',
        rejectOnWorkerLost: deps.settings.task_reject_on_worker_lost });
    }
    this.runner = new TaskRunner({ app: deps.app, tracker: this.tracker, signals: this.signals, counters: this.counters, log: this.log,
      contextFields: deps.settings.worker_log_context_fields, taskLog: (msg) => this.taskLog(msg), concurrency: () => this.concurrencyNow,
      isStopping: () => this.stopping, execution: buildExecutionDeps(deps, { clock: this.clock, writer: this.writer,
        events: { taskEvent: (type, fields) => this.emit(type, fields) }, tracker: this.tracker, isRevoked: (msg) => this.isRevoked(msg),
        timeLimitsFor: (msg) => this.limits.timeLimitsFor(msg), threads: this.threads, signals: this.signals, log: this.log }), runEnded: () => this.checkIdle() });
    this.intake = new TaskIntake({ app: deps.app, settings: deps.settings, hostname: deps.hostname, log: this.log, clock: this.clock,
      transport: deps.transport, writer: this.writer, tracker: this.tracker, signals: this.signals, counters: this.counters, limits: this.limits,
      runner: this.runner, revoked: this.revoked, isRevoked: (msg) => this.isRevoked(msg), emit: (type, fields) => this.emit(type, fields),
      track: (p) => this.track(p), taskLog: (msg) => this.taskLog(msg), isStopping: () => this.stopping,
      // ETA tasks hold a raised prefetch allowance (Celery's qos.increment) until due.
      prefetch: { count: () => this.prefetchCount(), limit: deps.settings.worker_eta_task_limit, adjust: (delta) => this.adjustPrefetch(delta) } });
  }

  private readonly intake: TaskIntake;
  private readonly runner: TaskRunner;
  private readonly signals: WorkerSignals;
  private readonly pool: ThreadPool | null = null;
  private readonly threads: ThreadDispatch | null = null;

  /** Adds a receiver of task events (dispatcher, metrics). */
  addEventSink(sink: TaskEventSink): void {
    this.sinks.push(sink);
  }

  /** Adds a part started before consuming and closed after running tasks finished. */
  addMonitor(monitor: WorkerMonitor): void {
    this.monitors.push(monitor);
  }

  /** Connects, starts monitors, declares the queues as Celery does, and starts consuming. */
  async start(): Promise<void> {
    const { transport, backend, settings } = this.deps;
    await this.signals.lifecycle('worker_init');
    await transport.connect();
    if (backend) await backend.connect();
    for (const m of this.monitors) await m.start();
    for (const queue of settings.worker_queues) await transport.declareQueue(queue, { exchange: queue, routingKey: queue });
    // Held messages are kept from redelivery by the transport itself (Redis: RedisTransport.refreshHeld).
    this.consumer = await transport.consume(settings.worker_queues, this.prefetchCount(), (d) => this.intake.receive(d));
    this.log.info({ hostname: this.hostname, queues: settings.worker_queues, concurrency: this.concurrencyNow,
      prefetch: this.prefetchCount(), tasks: this.deps.app.taskNames() }, 'worker ready');
    await this.signals.lifecycle('worker_ready');
  }

  /**
   * Warm shutdown: stop consuming, drop ETA timers and not-yet-started messages (the transport gives
   * them back to their queues), wait for running tasks to finish, close monitors, then connections.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stopping = true;
      await this.signals.lifecycle('worker_shutting_down');
      await this.closeStep(this.consumer?.stop(), 'stop consuming');
      const returned = this.intake.stop();
      // Only a worker that consumed has tasks to wait for (a failed start has none).
      if (this.consumer) this.log.info({ running: this.tracker.count('active'), returned }, 'warm shutdown: waiting for running tasks');
      await waitWithSoftShutdown(this.tracker, () => this.waitIdle(), this.settings.worker_soft_shutdown_timeout, this.clock, this.log,
        this.settings.worker_close_timeout * 1000, (req) => this.runner.holdsSlot(req));
      await this.pool?.close();
      for (const m of [...this.monitors].reverse()) await this.closeStep(m.close(), 'close monitor');
      await this.closeStep(this.deps.backend?.close(), 'close result backend');
      await this.closeStep(this.deps.transport.close(), 'close broker connection');
      this.log.info({ counters: this.counters }, 'worker stopped');
      await this.signals.lifecycle('worker_shutdown');
    })();
    return this.closed;
  }

  /**
   * Cold shutdown (second signal): aborts running tasks whose message is not yet acked (their results
   * are discarded) and closes the transport, which gives every unsettled message back to its queue now.
   */
  async terminate(): Promise<void> {
    this.stopping = true;
    for (const req of this.tracker.list('active')) if (!req.acknowledged && !req.abort.aborted) req.abort.abort(RETURNED);
    await this.closeStep(this.deps.transport.close(), 'close broker connection');
  }

  /** One shutdown step bounded by `worker_close_timeout` (real time: it waits on sockets), so a dead broker cannot hold the exit. */
  private closeStep(step: Promise<unknown> | undefined, what: string): Promise<void> {
    return closeWithin(step, this.settings.worker_close_timeout * 1000, systemClock, this.log, what);
  }

  /** Resolves when no task runs and no message is being handled. */
  waitIdle(): Promise<void> {
    if (this.tracker.count('active') === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Number of tasks running now. */
  get activeCount(): number {
    return this.tracker.count('active');
  }

  // ---- WorkerInspector ----
  activeRequests(): RequestInfo[] { return this.tracker.list('active').map((r) => this.tracker.info(r)); }
  reservedRequests(): RequestInfo[] { return this.tracker.list('reserved').map((r) => this.tracker.info(r)); }
  scheduledRequests(): RequestInfo[] { return this.tracker.list('scheduled').map((r) => this.tracker.info(r)); }
  totals(): Record<string, number> { return this.tracker.totalsByName(); }
  registeredTasks(): string[] { return this.deps.app.taskNames(); }
  taskInfo(name: string): TaskInfo | null {
    const def = this.deps.app.getTask(name);
    return def ? buildTaskInfo(def, this.settings, this.limits.current(name)) : null;
  }
  activeQueues(): string[] { return [...(this.consumer?.queues() ?? this.settings.worker_queues)]; }
  concurrency(): number { return this.concurrencyNow; }
  isConsuming(): boolean { return this.consumer !== null && !this.stopping; }
  prefetchCount(): number {
    const base = this.concurrencyNow * this.settings.worker_prefetch_multiplier;
    return base === 0 ? 0 : base + this.extraPrefetch;
  }

  // ---- WorkerController ----
  revoke(ids: readonly string[], options: { terminate: boolean; signal?: string }): string[] {
    for (const id of ids) this.revoked.add(id);
    return options.terminate ? this.terminateRequests(ids, options) : [];
  }
  terminateRequests(ids: readonly string[], options: { signal?: string }): string[] {
    const terminated: string[] = [];
    for (const id of ids) {
      for (const req of this.tracker.findById(id)) {
        if (req.startedAtMs === null || req.abort.aborted) continue;
        req.abort.abort(TERMINATED);
        terminated.push(id);
        // Acked once REVOKED is stored, as Celery's Request._announce_revoked does, not when the handler
        // returns (an event-loop task may ignore its signal for long); the settle after it is a no-op.
        this.track(this.writer.markRevoked({ message: req.msg, hostname: this.hostname, queue: req.delivery.queue }, 'terminated')
          .then((stored) => (isStored(stored) ? settle(req, this.log) : undefined)));
        this.emit('task-revoked', { uuid: id, terminated: true, expired: false, signum: options.signal ?? 'SIGTERM' });
      }
    }
    return terminated;
  }
  revokedIds(): string[] { return this.revoked.ids(); }
  async addQueue(queue: string): Promise<void> {
    await this.deps.transport.declareQueue(queue, { exchange: queue, routingKey: queue });
    await this.consumer?.addQueue(queue);
  }
  async cancelQueue(queue: string): Promise<void> { await this.consumer?.cancelQueue(queue); }
  resizePool(delta: number): number {
    this.concurrencyNow = Math.max(1, this.concurrencyNow + delta);
    this.pool?.resize(this.concurrencyNow);
    this.consumer?.setPrefetch(this.prefetchCount());
    this.runner.pump();
    return this.concurrencyNow;
  }
  shutdown(): void {
    if (this.deps.onShutdownRequested) this.deps.onShutdownRequested();
    else void this.close();
  }

  private adjustPrefetch(delta: number): boolean {
    if (this.prefetchCount() === 0 || !this.consumer) return false;
    this.extraPrefetch += delta;
    this.consumer.setPrefetch(this.prefetchCount());
    return true;
  }

  /** What every execution uses (TaskRunner adds the slot release). */
  /** Celery's `Request.revoked()`: by id, else by the first stamp that has flagged values. */
  private isRevoked(msg: TaskMessage): boolean {
    if (this.revoked.isRevoked(msg.id)) return true;
    if (!msg.stampedHeaders || this.revokedStamps.size === 0) return false;
    const match = this.revokedStamps.match(msg.stampedHeaders, msg.stamps);
    if (match) this.taskLog(msg).info({ revokedByHeader: { [match.header]: match.value } }, 'task revoked by stamped header');
    return match !== null;
  }

  private emit(type: TaskEventType, fields: TaskEventFields): void {
    for (const sink of this.sinks) {
      try {
        sink.taskEvent(type, fields);
      } catch (thrown) {
        this.log.warn({ err: coerceError(thrown), type }, 'event sink failed');
      }
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((thrown: unknown) => this.log.error({ err: coerceError(thrown) }, 'unexpected error handling message'))
      .finally(() => { this.pending.delete(tracked); this.checkIdle(); });
    this.pending.add(tracked);
  }

  private checkIdle(): void {
    if (this.tracker.count('active') > 0 || this.pending.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private taskLog(msg: TaskMessage): Logger {
    return createTaskLogger(this.log, { taskId: msg.id, taskName: msg.shadow ?? msg.task, retries: msg.retries,
      ...pickContextFields(this.settings.worker_log_context_fields, msg.customHeaders, msg.kwargs) });
  }
}
