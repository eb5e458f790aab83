import type { Logger } from 'pino';
import type { BeatStateStore, CommitOutcome, RunCommit } from '../../beat/beat-state-store';
import type { StoredRun } from '../../beat/scheduler';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { Transport } from '../transport';

/** An entry's record as a `BeatRunRecord` keeps it. */
export interface RecordedRun extends StoredRun {
  /** Task id of the last run claimed. */
  taskId?: string;
  /** False when the beat stopped between claiming the run and the broker confirming it (it may not have been sent). */
  confirmed: boolean;
}

/** What `BeatRunRecord.claim` records: a run about to be published. */
export type RunClaim = Pick<RunCommit, 'entryName' | 'runAt' | 'fingerprint' | 'leaseToken' | 'fence' | 'taskId'>;

/**
 * Where a beat on a broker without scripts (RabbitMQ) records its runs: a local state file, or the
 * Redis result backend. `claim` checks the lease token and that the run is newer than the last one
 * recorded, and records it, as one step; `confirm` notes that the broker confirmed the publish.
 */
export interface BeatRunRecord {
  load(): Promise<Map<string, RecordedRun>>;
  /** 'claimed' (recorded now: publish it), 'already-sent', or 'not-leader' (the lease is not ours). */
  claim(claim: RunClaim): Promise<'claimed' | 'already-sent' | 'not-leader'>;
  /** Marks the entry's run `taskId` confirmed (no-op when a later run replaced it). */
  confirm(entryName: string, taskId: string): Promise<void>;
}

/**
 * Beat state for a broker that cannot record and publish in one step: each run is recorded first
 * (claim), then published with publisher confirms, then marked confirmed. A run is therefore never
 * sent twice (a restart or a takeover finds it recorded), and at most one run per entry can be lost:
 * the one whose beat died, or whose publish failed, between the record and the broker's confirm. Such
 * a run is named in a warning when the state is next loaded.
 */
export class AmqpBeatStateStore implements BeatStateStore {
  constructor(private readonly record: BeatRunRecord, private readonly transport: Pick<Transport, 'connect' | 'publish'>, private readonly log: Logger) {}

  /** Last run per entry; warns about each run recorded but never confirmed. */
  async load(): Promise<Map<string, StoredRun>> {
    const out = new Map<string, StoredRun>();
    for (const [name, run] of await this.record.load()) {
      if (!run.confirmed) {
        this.log.warn({ entry: name, taskId: run.taskId, runAt: run.lastRunAt.toISOString() },
          'beat run recorded but not confirmed by the broker: it may not have been sent, and is not sent again');
      }
      out.set(name, { lastRunAt: run.lastRunAt, fingerprint: run.fingerprint });
    }
    return out;
  }

  /**
   * Claims the run, publishes it (waiting for the confirm), then records the confirm. The broker must be
   * reachable first (waiting through a reconnection): a run due while RabbitMQ is down is not claimed,
   * and the loop sends it (once, late) when RabbitMQ is back, instead of losing it.
   */
  async commitRun(c: RunCommit): Promise<CommitOutcome> {
    await this.transport.connect();
    const claimed = await this.record.claim(c);
    if (claimed !== 'claimed') return claimed;
    try {
      await this.transport.publish(c.message, c.route);
    } catch (err) {
      throw new TransportError('CELERIAC_BEAT_RUN_NOT_CONFIRMED',
        `beat run of "${c.entryName}" at ${c.runAt.toISOString()} (task ${c.taskId}) was recorded but the broker did not confirm it; it is not sent again (at most once): ${coerceError(err).message}`,
        { cause: err });
    }
    await this.record.confirm(c.entryName, c.taskId);
    return 'sent';
  }
}
