/**
 * A Lamport logical clock as kombu keeps one (`kombu/clocks.py`): `forward()` before every event or
 * reply sent, `adjust(other)` with every clock value received (pidbox requests, events).
 */
export class LamportClock {
  private current: number;

  /** Starts at `initial` (0 by default, as kombu). */
  constructor(initial = 0) {
    this.current = initial;
  }

  /** The current value. */
  get value(): number {
    return this.current;
  }

  /** Advances by one and returns the new value (a local event happened). */
  forward(): number {
    this.current += 1;
    return this.current;
  }

  /** Merges a received clock: max(local, other) + 1. Non-numbers are treated as 0. Returns the new value. */
  adjust(other: unknown): number {
    const received = typeof other === 'number' && Number.isFinite(other) ? Math.trunc(other) : 0;
    this.current = Math.max(this.current, received) + 1;
    return this.current;
  }
}
