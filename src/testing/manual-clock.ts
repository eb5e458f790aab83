import type { Clock } from '../worker/clock';

interface Timer { atMs: number; seq: number; fn: () => void }

/**
 * A clock that moves only when the test moves it: ETA/countdown holds, retries and time limits of a
 * test worker fire in time order as `advance()` passes their instant. Starts at the real time by
 * default, so ETAs computed by producers and the worker agree.
 */
export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private readonly timers: Timer[] = [];

  constructor(start: Date | number = Date.now()) {
    this.nowMs = typeof start === 'number' ? start : start.getTime();
  }

  /** Milliseconds since the epoch, as the clock reads now. */
  now(): number {
    return this.nowMs;
  }

  /** Calls `fn` once the clock has been advanced `ms` past now; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void {
    const timer: Timer = { atMs: this.nowMs + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      const at = this.timers.indexOf(timer);
      if (at >= 0) this.timers.splice(at, 1);
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in time order (a timer set by a
   * firing one fires too when it falls inside the window), each with `now()` at its own instant.
   */
  advance(ms: number): void {
    this.advanceTo(this.nowMs + ms);
  }

  /** Moves time forward to `when` (never backwards), firing the timers due on the way. */
  advanceTo(when: Date | number): void {
    const target = typeof when === 'number' ? when : when.getTime();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.fn();
    }
    this.nowMs = Math.max(this.nowMs, target);
  }

  /** Instants (epoch ms) of the timers still waiting, earliest first. */
  pendingTimers(): number[] {
    return this.timers.map((t) => t.atMs).sort((a, b) => a - b);
  }

  private nextDue(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (t.atMs > target) continue;
      if (!best || t.atMs < best.atMs || (t.atMs === best.atMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
