import type { Clock } from './clock';
import type { TrackedRequest } from './request-tracker';

/** How an ETA hold raises and lowers the consumer's prefetch allowance (Celery's `qos.increment_eventually`). */
export interface PrefetchAllowance {
  /** Current prefetch count (0 = unlimited). */
  count(): number;
  /** `worker_eta_task_limit`: holds raise the allowance only while the count is below it (Celery's QoS max_prefetch). */
  readonly limit: number | undefined;
  /** Raises (+1) or lowers (-1) it; false when it cannot change (unlimited, or not consuming yet). */
  adjust(delta: 1 | -1): boolean;
}

/**
 * ETA and countdown tasks held unacked until due. Each hold raises the prefetch allowance by one, so a
 * held message does not take a slot from tasks that can run now, and lowers it again when due; past
 * `worker_eta_task_limit` holds take ordinary slots. Timers are keyed by the request (a message
 * delivered twice under one tag is two holds).
 */
export class EtaHolds {
  private readonly timers = new Map<TrackedRequest, () => void>();

  constructor(private readonly clock: Clock, private readonly prefetch: PrefetchAllowance,
    /** Called when a hold is due (not after cancelAll()). */
    private readonly due: (req: TrackedRequest) => void) {}

  /** Number of requests held now. */
  get size(): number {
    return this.timers.size;
  }

  /** Holds `req` for `delayMs`, then hands it to `due`. */
  hold(req: TrackedRequest, delayMs: number): void {
    const { limit } = this.prefetch;
    const raised = (limit === undefined || this.prefetch.count() < limit) && this.prefetch.adjust(+1);
    const cancel = this.clock.setTimer(() => {
      this.timers.delete(req);
      if (raised) this.prefetch.adjust(-1);
      this.due(req);
    }, delayMs);
    this.timers.set(req, cancel);
  }

  /** Cancels every hold (warm shutdown: the transport gives their messages back). */
  cancelAll(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }
}
