import type { TaskMessage } from '../protocol/task-message';
import type { Delivery } from '../transport/transport';
import { RunAbort } from './run-abort';
import type { RequestInfo } from './worker-state';

/** A received task message with its delivery, as the worker holds it. */
export interface TrackedRequest {
  msg: TaskMessage;
  delivery: Delivery;
  /** Set when execution starts. */
  startedAtMs: number | null;
  acknowledged: boolean;
  /** Aborted by revoke(terminate), time limits or cold shutdown. */
  abort: RunAbort;
  /** The phase the tracker holds it in (null: not tracked); only RequestTracker sets it. */
  phase: Phase | null;
}

type Phase = 'reserved' | 'scheduled' | 'active';

/**
 * Where every received request is (waiting for a slot, held for its ETA, running) and how many
 * ran per task name: the state `inspect active/reserved/scheduled` and `stats.total` report.
 */
export class RequestTracker {
  /** Keyed by the request itself (an identity hash, not the hash of a long id string), in insertion order. */
  private readonly phases: Record<Phase, Set<TrackedRequest>> = {
    reserved: new Set(), scheduled: new Set(), active: new Set(),
  };
  private readonly totals = new Map<string, number>();
  /** Tracked requests by task id (several when a message was delivered twice): findById is called per task event. */
  private readonly byId = new Map<string, Set<TrackedRequest>>();

  constructor(private readonly hostname: string) {}

  /** Creates the record for a new delivery. */
  create(msg: TaskMessage, delivery: Delivery): TrackedRequest {
    return { msg, delivery, startedAtMs: null, acknowledged: false, abort: new RunAbort(), phase: null };
  }

  /** Moves a request into a phase (out of the one it was in). */
  set(req: TrackedRequest, phase: Phase): void {
    if (req.phase === phase) return;
    if (req.phase !== null) {
      this.phases[req.phase].delete(req);
    } else {
      let same = this.byId.get(req.msg.id);
      if (!same) this.byId.set(req.msg.id, (same = new Set()));
      same.add(req);
    }
    this.phases[phase].add(req);
    req.phase = phase;
  }

  /** Forgets a request (finished, returned or refused). */
  remove(req: TrackedRequest): void {
    if (req.phase === null) return;
    this.phases[req.phase].delete(req);
    req.phase = null;
    const same = this.byId.get(req.msg.id);
    if (same?.delete(req) && same.size === 0) this.byId.delete(req.msg.id);
  }

  /** Counts a finished run of `name`. */
  countRun(name: string): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + 1);
  }

  /** Number of requests in a phase. */
  count(phase: Phase): number {
    return this.phases[phase].size;
  }

  /** Requests in a phase, oldest first. */
  list(phase: Phase): TrackedRequest[] {
    return [...this.phases[phase]];
  }

  /** Every tracked request with this task id. */
  findById(id: string): TrackedRequest[] {
    return [...(this.byId.get(id) ?? [])];
  }

  /** `stats.total`: runs per task name. */
  totalsByName(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }

  /** The request as inspect commands report it. */
  info(req: TrackedRequest): RequestInfo {
    const { msg, delivery } = req;
    return {
      id: msg.id, name: msg.shadow ?? msg.task, args: msg.args, kwargs: msg.kwargs, argsRepr: msg.argsRepr, kwargsRepr: msg.kwargsRepr,
      hostname: this.hostname, timeStartSec: req.startedAtMs === null ? null : req.startedAtMs / 1000, acknowledged: req.acknowledged,
      deliveryInfo: { exchange: delivery.route.exchange, routingKey: delivery.route.routingKey, priority: msg.priority, redelivered: delivery.redelivered },
      eta: msg.eta, workerPid: process.pid, stampedHeaders: msg.stampedHeaders, stamps: msg.stamps,
    };
  }
}
