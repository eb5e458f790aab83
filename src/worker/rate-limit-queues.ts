import type { Clock } from './clock';
import type { TrackedRequest } from './request-tracker';
import type { TaskLimits } from './task-limits';

/**
 * Celery's bucket queues: requests of a rate-limited task type wait here (still unacked) and are
 * released one token at a time; other requests pass straight through.
 */
export class RateLimitQueues {
  private readonly queues = new Map<string, TrackedRequest[]>();
  private readonly timers = new Map<string, () => void>();
  private stopped = false;

  constructor(private readonly limits: TaskLimits, private readonly clock: Clock, private readonly release: (req: TrackedRequest) => void,
    private readonly afterRelease: () => void) {}

  /** Releases the request now, or queues it behind its task type's token bucket. */
  admit(req: TrackedRequest): void {
    const name = req.msg.task;
    if (!this.limits.bucket(name)) {
      this.release(req);
      this.afterRelease();
      return;
    }
    const queue = this.queues.get(name) ?? [];
    queue.push(req);
    this.queues.set(name, queue);
    this.drain(name);
  }

  /** A task's rate changed: re-check its waiting requests now instead of on the old bucket's timer. */
  rateChanged(name: string): void {
    this.timers.get(name)?.();
    this.timers.delete(name);
    this.drain(name);
  }

  /** Stops releasing; the waiting requests stay unsettled for the transport to give back. */
  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.queues.clear();
  }

  private drain(name: string): void {
    const queue = this.queues.get(name);
    if (!queue || this.timers.has(name) || this.stopped) return;
    const bucket = this.limits.bucket(name);
    while (queue.length > 0 && (!bucket || bucket.canConsume())) this.release(queue.shift() as TrackedRequest);
    this.afterRelease();
    if (queue.length === 0) {
      this.queues.delete(name);
      return;
    }
    this.timers.set(name, this.clock.setTimer(() => {
      this.timers.delete(name);
      this.drain(name);
    }, Math.max(1, bucket?.expectedTimeMs() ?? 1)));
  }
}
