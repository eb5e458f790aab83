import type { Logger } from 'pino';
import type { Celery } from '../app/celery';
import type { Settings } from '../config/settings-schema';
import type { TaskMessage } from '../protocol/task-message';
import type { Delivery, Transport } from '../transport/transport';
import type { Clock } from './clock';
import type { RevokedSet } from './control/revoked-set';
import { EtaHolds, type PrefetchAllowance } from './eta-holds';
import { handlePoison } from './handle-poison';
import { RateLimitQueues } from './rate-limit-queues';
import { receiveDelivery } from './receive-delivery';
import type { RequestTracker, TrackedRequest } from './request-tracker';
import type { ResultWriter } from './result-writer';
import type { WorkerSignals } from './signals/worker-signals';
import type { TaskLimits } from './task-limits';
import type { TaskRunner } from './task-runner';
import type { TaskEventFields, TaskEventType } from './worker-state';

/** The parts of a worker its intake uses; the worker builds it. */
export interface TaskIntakeDeps {
  app: Celery;
  settings: Settings;
  hostname: string;
  log: Logger;
  clock: Clock;
  /** Where refused messages are copied (the poison queue) and given back. */
  transport: Transport;
  /** Records the FAILURE of a refused message. */
  writer: ResultWriter;
  tracker: RequestTracker;
  signals: Pick<WorkerSignals, 'refused' | 'received'>;
  /** `received` and `refused` are counted here. */
  counters: { received: number; refused: number };
  limits: TaskLimits;
  /** Runs what the intake releases. */
  runner: Pick<TaskRunner, 'push' | 'pump' | 'dropWaiting'>;
  /** Revoked ids, consulted on arrival. */
  revoked: Pick<RevokedSet, 'isRevoked'>;
  /** Celery's `Request.revoked()`: by id, else by stamp. */
  isRevoked(msg: TaskMessage): boolean;
  /** What ETA holds raise and lower. */
  prefetch: PrefetchAllowance;
  emit(type: TaskEventType, fields: TaskEventFields): void;
  /** Keeps the worker from being idle until `p` settles (its failure logged). */
  track(p: Promise<unknown>): void;
  taskLog(msg: TaskMessage): Logger;
  isStopping(): boolean;
}

/**
 * What happens to a delivery before it runs: refused (poison: FAILURE stored, copied aside, rejected),
 * held unacked until its ETA (with a raised prefetch allowance), or released to the runner through its
 * task type's rate limit, in arrival order.
 */
export class TaskIntake {
  private readonly rateQueues: RateLimitQueues;
  private readonly etaHolds: EtaHolds;

  constructor(private readonly deps: TaskIntakeDeps) {
    const { runner, limits, clock } = deps;
    this.rateQueues = new RateLimitQueues(limits, clock, (req) => runner.push(req), () => runner.pump());
    limits.onRateChanged = (name) => this.rateQueues.rateChanged(name);
    this.etaHolds = new EtaHolds(clock, deps.prefetch, (req) => { if (!deps.isStopping()) this.release(req); });
  }

  /** One delivery from the consumer. Never throws for a bad message: it is refused instead. */
  receive(delivery: Delivery): void {
    const { deps } = this;
    deps.counters.received++;
    const received = receiveDelivery(delivery, deps.app, deps.settings);
    if (received.kind === 'refused') {
      deps.counters.refused++;
      deps.signals.refused(received.report);
      if (received.report.message) deps.emit('task-rejected', { uuid: received.report.message.id, error: new Error(received.report.reason), requeue: false });
      deps.track(handlePoison(delivery, received.report, {
        transport: deps.transport, writer: deps.writer, poisonQueue: deps.settings.worker_poison_queue, hostname: deps.hostname, log: deps.log,
      }));
      return;
    }
    const req = deps.tracker.create(received.msg, delivery);
    deps.signals.received(req);
    const { msg } = req;
    deps.emit('task-received', { uuid: msg.id, name: msg.shadow ?? msg.task, args: msg.args, kwargs: msg.kwargs, argsRepr: msg.argsRepr,
      kwargsRepr: msg.kwargsRepr, retries: msg.retries, eta: msg.eta, expires: msg.expires, rootId: msg.rootId, parentId: msg.parentId,
      queue: delivery.queue });
    // Below DEBUG (the usual level) no per-task logger is built for a line that would be dropped.
    if (deps.log.isLevelEnabled('debug')) deps.taskLog(msg).debug({ queue: delivery.queue, eta: msg.eta?.toISOString() }, 'task received');
    const delayMs = msg.eta ? msg.eta.getTime() - deps.clock.now() : 0;
    // Celery's strategy consults Request.revoked() on arrival only for an expiring or id-revoked task: a
    // stamp-revoked ETA task is held until due like any other, then revoked before it runs.
    if (delayMs > 0 && !((msg.expires !== null || deps.revoked.isRevoked(msg.id)) && deps.isRevoked(msg))) {
      deps.tracker.set(req, 'scheduled');
      this.etaHolds.hold(req, delayMs);
      return;
    }
    this.release(req);
  }

  /**
   * Warm shutdown: drops ETA holds, rate-limited and waiting requests (their messages stay unsettled,
   * so the transport gives them back). Returns how many requests were dropped.
   */
  stop(): number {
    const { tracker } = this.deps;
    this.etaHolds.cancelAll();
    this.rateQueues.stop();
    const dropped = [...tracker.list('reserved'), ...tracker.list('scheduled')];
    for (const req of dropped) tracker.remove(req);
    this.deps.runner.dropWaiting();
    return dropped.length;
  }

  private release(req: TrackedRequest): void {
    this.deps.tracker.set(req, 'reserved');
    this.rateQueues.admit(req);
  }
}
