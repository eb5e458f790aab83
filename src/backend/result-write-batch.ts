/** One result write waiting for its batch. */
export interface BatchedWrite {
  key: string;
  encoded: string;
  ttlSec: number;
}

/** Why one write of a batch failed (a reply is a number, so a failure is its own shape). */
export class WriteFailure {
  constructor(readonly error: unknown) {}
}

/** How one write of a batch ended: the script's 1 (written) or 0 (SUCCESS already stored), or its failure. */
export type WriteOutcome = number | WriteFailure;

/** At most this many writes share one script call. */
const MAX_WRITES = 256;

/**
 * Collects the result writes of one event-loop turn (many tasks finish together under load) and
 * hands them over as one batch, in order, so they cost one script call instead of one each. Each
 * write gets its own outcome, as if it had been sent alone; the writes of a batch share one promise
 * (one reaction per write instead of a promise and its resolvers each: a write runs once per task).
 */
export class ResultWriteBatch {
  private open: { writes: BatchedWrite[]; done: Promise<readonly WriteOutcome[]> } | null = null;

  /** `flush` sends one batch and resolves with one outcome per write, in order; it must not reject. */
  constructor(private readonly flush: (writes: BatchedWrite[]) => Promise<readonly WriteOutcome[]>) {}

  /** Queues one write; resolves with what `react` makes of its outcome (and rejects if `react` throws). */
  add<T>(write: BatchedWrite, react: (outcome: WriteOutcome) => T): Promise<T> {
    const batch = this.open !== null && this.open.writes.length < MAX_WRITES ? this.open : this.start();
    const index = batch.writes.push(write) - 1;
    return batch.done.then((outcomes) => react(outcomes[index] as WriteOutcome));
  }

  private start(): { writes: BatchedWrite[]; done: Promise<readonly WriteOutcome[]> } {
    const writes: BatchedWrite[] = [];
    const done = new Promise<readonly WriteOutcome[]>((resolve) => {
      setImmediate(() => {
        if (this.open?.writes === writes) this.open = null;
        let sent: Promise<readonly WriteOutcome[]>;
        try {
          sent = this.flush(writes);
        } catch (thrown) {
          sent = Promise.resolve(writes.map(() => new WriteFailure(thrown)));
        }
        resolve(sent);
      });
    });
    this.open = { writes, done };
    return this.open;
  }
}
