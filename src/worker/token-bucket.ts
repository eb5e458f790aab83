/**
 * A token bucket as kombu's `TokenBucket` (`kombu/utils/limits.py`): holds at most `capacity` tokens,
 * refilled at `fillRate` per second; starts full. Time is injected (milliseconds).
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(readonly fillRate: number, readonly capacity = 1, private readonly now: () => number = Date.now) {
    this.tokens = capacity;
    this.lastMs = now();
  }

  /** Takes one token when available. */
  canConsume(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one token is available (0 when one is). */
  expectedTimeMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.fillRate) * 1000);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.lastMs) / 1000) * this.fillRate);
    this.lastMs = now;
  }
}
