/** One result write waiting for its batch. */
export interface PendingWrite {
  key: string;
  encoded: string;
  ttlSec: number;
  resolve(written: number): void;
  reject(error: unknown): void;
}

/** At most this many writes share one script call. */
const MAX_WRITES = 256;

/**
 * Collects the result writes of one event-loop turn (many tasks finish together under load) and
 * hands them over as one batch, in order, so they cost one script call instead of one each. A
 * write resolves or rejects on its own, exactly as if it had been sent alone.
 */
export class ResultWriteBatch {
  private pending: PendingWrite[] | null = null;

  constructor(private readonly flush: (writes: PendingWrite[]) => void) {}

  /** Queues one write; resolves with the script's 1 (written) or 0 (SUCCESS already stored). */
  add(key: string, encoded: string, ttlSec: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (!this.pending) {
        this.pending = [];
        setImmediate(() => {
          const writes = this.pending ?? [];
          this.pending = null;
          for (let i = 0; i < writes.length; i += MAX_WRITES) this.flush(writes.slice(i, i + MAX_WRITES));
        });
      }
      this.pending.push({ key, encoded, ttlSec, resolve, reject });
    });
  }
}
