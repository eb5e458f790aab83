import type { Logger } from 'pino';
import type { Celery } from '../app/celery';
import type { ResultBackend } from '../backend/result-backend';
import type { Settings } from '../config/settings-schema';
import { coerceError } from '../errors/coerce-error';
import { decodeTaskMessage, MessageDecodeError } from '../protocol';
import type { TaskMessage } from '../protocol/task-message';
import type { Consumer, Delivery, Transport } from '../transport/transport';
import { systemClock, type Clock } from './clock';
import { executeTask, type ExecutionOutcome } from './execute-task';
import { handlePoison } from './handle-poison';
import { ResultWriter } from './result-writer';

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
}

/** Counters a worker keeps (for logs now, `stats` and metrics later). */
export interface WorkerCounters {
  received: number;
  succeeded: number;
  failed: number;
  revoked: number;
  refused: number;
}

interface Accepted {
  msg: TaskMessage;
  delivery: Delivery;
}

/**
 * The consumer loop: receives deliveries within the prefetch bound (`concurrency ×
 * worker_prefetch_multiplier`), refuses poison, holds ETA tasks unacked, and runs at most
 * `concurrency` tasks at once in receive order. Knows only the Transport and ResultBackend interfaces.
 */
export class Worker {
  readonly counters: WorkerCounters = { received: 0, succeeded: 0, failed: 0, revoked: 0, refused: 0 };
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly writer: ResultWriter;
  private readonly ready: Accepted[] = [];
  private readonly etaTimers = new Set<() => void>();
  private readonly running = new Map<string, AbortController>();
  private readonly pending = new Set<Promise<unknown>>();
  private consumer: Consumer | null = null;
  private stopping = false;
  private closed: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: WorkerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger.child({ component: 'worker' });
    const { settings } = deps;
    this.writer = new ResultWriter(deps.backend, {
      extended: settings.result_extended,
      expiresSec: settings.result_expires === 0 ? null : settings.result_expires,
      now: () => this.clock.now(),
    }, this.log);
  }

  /** Messages delivered but not settled that may be held at once (0 = unlimited). */
  get basePrefetch(): number {
    return this.deps.settings.worker_concurrency * this.deps.settings.worker_prefetch_multiplier;
  }

  /** Number of tasks running now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** Connects, declares the queues as Celery does, and starts consuming. */
  async start(): Promise<void> {
    const { transport, backend, settings } = this.deps;
    await transport.connect();
    if (backend) await backend.connect();
    for (const queue of settings.worker_queues) await transport.declareQueue(queue, { exchange: queue, routingKey: queue });
    this.consumer = await transport.consume(settings.worker_queues, this.basePrefetch, (d) => this.onDelivery(d));
    this.log.info({ hostname: this.deps.hostname, queues: settings.worker_queues, concurrency: settings.worker_concurrency,
      prefetch: this.basePrefetch, tasks: this.deps.app.taskNames() }, 'worker ready');
  }

  /**
   * Warm shutdown: stop consuming, drop ETA timers and not-yet-started messages (the transport gives
   * them back to their queues), wait for running tasks to finish, then close connections.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stopping = true;
      await this.consumer?.stop().catch((e: unknown) => this.log.warn({ err: coerceError(e) }, 'error stopping consumer'));
      for (const cancel of this.etaTimers) cancel();
      this.etaTimers.clear();
      const returned = this.ready.length;
      this.ready.length = 0;
      this.log.info({ running: this.running.size, returned }, 'warm shutdown: waiting for running tasks');
      await this.waitIdle();
      await this.deps.backend?.close().catch((e: unknown) => this.log.warn({ err: coerceError(e) }, 'error closing result backend'));
      await this.deps.transport.close();
      this.log.info({ counters: this.counters }, 'worker stopped');
    })();
    return this.closed;
  }

  /** Resolves when no task runs and no message is being handled. */
  waitIdle(): Promise<void> {
    if (this.running.size === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private onDelivery(delivery: Delivery): void {
    this.counters.received++;
    let msg: TaskMessage;
    try {
      msg = decodeTaskMessage(delivery.message, {
        accept: this.deps.settings.accept_content,
        maxBodyBytes: this.deps.settings.worker_max_message_bytes,
      });
    } catch (thrown) {
      const err = coerceError(thrown);
      const decodeErr = err instanceof MessageDecodeError ? err : undefined;
      const disallowed = decodeErr?.code === 'CELERIAC_PROTOCOL_CONTENT_DISALLOWED';
      this.refuse(delivery, {
        code: decodeErr?.code ?? 'CELERIAC_PROTOCOL_BAD_MESSAGE',
        reason: err.message,
        ...(decodeErr?.taskId ? { taskId: decodeErr.taskId } : {}),
        ...(decodeErr?.taskName ? { taskName: decodeErr.taskName } : {}),
        exception: disallowed
          ? { excType: 'ContentDisallowed', excMessage: [err.message], excModule: 'kombu.exceptions' }
          : { excType: 'InvalidTaskError', excMessage: [err.message], excModule: 'celery.exceptions' },
      });
      return;
    }
    if (!this.deps.app.getTask(msg.task)) {
      this.refuse(delivery, {
        code: 'CELERIAC_TASK_NOT_REGISTERED', reason: `task ${msg.task} is not registered`, taskId: msg.id, taskName: msg.task, message: msg,
        exception: { excType: 'NotRegistered', excMessage: [msg.task], excModule: 'celery.exceptions' },
      });
      return;
    }
    this.taskLog(msg).debug({ queue: delivery.queue, eta: msg.eta?.toISOString() }, 'task received');
    const delayMs = msg.eta ? msg.eta.getTime() - this.clock.now() : 0;
    if (delayMs > 0) {
      this.holdUntilDue({ msg, delivery }, delayMs);
      return;
    }
    this.ready.push({ msg, delivery });
    this.pump();
  }

  /** Keeps an ETA task unacked until due, with the prefetch allowance raised by one (as Celery's qos.increment). */
  private holdUntilDue(item: Accepted, delayMs: number): void {
    this.adjustPrefetch(+1);
    const cancel = this.clock.setTimer(() => {
      this.etaTimers.delete(cancel);
      this.adjustPrefetch(-1);
      if (this.stopping) return;
      this.ready.push(item);
      this.pump();
    }, delayMs);
    this.etaTimers.add(cancel);
  }

  private adjustPrefetch(delta: number): void {
    if (this.basePrefetch === 0 || !this.consumer) return;
    this.extraPrefetch += delta;
    this.consumer.setPrefetch(this.basePrefetch + this.extraPrefetch);
  }

  private extraPrefetch = 0;

  private pump(): void {
    const limit = this.deps.settings.worker_concurrency;
    while (!this.stopping && this.running.size < limit && this.ready.length > 0) {
      const item = this.ready.shift() as Accepted;
      this.run(item);
    }
  }

  private run({ msg, delivery }: Accepted): void {
    const def = this.deps.app.getTask(msg.task);
    if (!def) return;
    const abort = new AbortController();
    const key = `${msg.id}\u0000${delivery.deliveryTag}`;
    this.running.set(key, abort);
    const { settings } = this.deps;
    const work = executeTask(def, msg, delivery, this.writer, {
      hostname: this.deps.hostname, acksLate: settings.task_acks_late, trackStarted: settings.task_track_started,
      ignoreResult: settings.task_ignore_result, now: () => this.clock.now(),
    }, this.taskLog(msg), abort)
      .then((outcome: ExecutionOutcome) => { this.counters[outcome]++; })
      .catch((thrown: unknown) => this.log.error({ err: coerceError(thrown), taskId: msg.id }, 'unexpected error running task'))
      .finally(() => {
        this.running.delete(key);
        this.pump();
        this.checkIdle();
      });
    void work;
  }

  private refuse(delivery: Delivery, report: Parameters<typeof handlePoison>[1]): void {
    this.counters.refused++;
    this.track(handlePoison(delivery, report, {
      transport: this.deps.transport, writer: this.writer, poisonQueue: this.deps.settings.worker_poison_queue,
      hostname: this.deps.hostname, log: this.log,
    }));
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((thrown: unknown) => this.log.error({ err: coerceError(thrown) }, 'unexpected error handling message'))
      .finally(() => { this.pending.delete(tracked); this.checkIdle(); });
    this.pending.add(tracked);
  }

  private checkIdle(): void {
    if (this.running.size > 0 || this.pending.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private taskLog(msg: TaskMessage): Logger {
    return this.log.child({ taskId: msg.id, taskName: msg.shadow ?? msg.task, retries: msg.retries });
  }
}
