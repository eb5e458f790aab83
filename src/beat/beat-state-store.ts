import type { KombuMessage, Route } from '../protocol/kombu-message';
import type { StoredRun } from './scheduler';

/** How a commit ended: sent now; already sent (by us or another beat); or refused because we no longer hold the lease. */
export type CommitOutcome = 'sent' | 'already-sent' | 'not-leader';

/** One run to record and publish atomically. */
export interface RunCommit {
  entryName: string;
  /** Scheduled time of the run. */
  runAt: Date;
  /** `BeatEntry.fingerprint` of the schedule that produced it. */
  fingerprint: string;
  /** The lease token this beat holds; the commit is refused unless it still holds it. */
  leaseToken: string;
  /** Fencing number of the lease acquisition, recorded with the run. */
  fence: number;
  taskId: string;
  /** The run's queue, message and route (`buildBeatMessage`): the store publishes it as the transport would. */
  queue: string;
  message: KombuMessage;
  route: Route;
}

/**
 * Where beat keeps each entry's last run, and the single step that records a run and publishes it.
 * `commitRun` must check the lease, check the run was not recorded already, record it and publish,
 * all at once, so a run is sent exactly once even across takeovers.
 */
export interface BeatStateStore {
  /** Last run per entry name. */
  load(): Promise<Map<string, StoredRun>>;
  commitRun(commit: RunCommit): Promise<CommitOutcome>;
}

/** The sender lock: one beat at a time holds it and renews it; a fencing number grows with each new holder. */
export interface BeatLease {
  /** Random token identifying this holder. */
  readonly token: string;
  /** Takes (or re-confirms) the lease; returns the fencing number, or null when another beat holds it. */
  acquire(): Promise<number | null>;
  /** Extends the lease; false when it is no longer ours. */
  renew(): Promise<boolean>;
  /** Gives the lease up if still ours, so a standby takes over at once. */
  release(): Promise<void>;
}

/**
 * What beat needs from the broker, opened for a broker URL by `openBeatBroker`
 * (src/transport/open-beat-broker.ts): the lease and the state store, both on that broker.
 */
export interface BeatBroker {
  lease: BeatLease;
  store: BeatStateStore;
  /** First connection attempt; failures are retried by the loop's commands. */
  connect(): Promise<void>;
  close(): Promise<void>;
}
