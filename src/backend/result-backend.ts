import type { ResultMeta } from '../protocol/result-meta';
import type { ChordEffects, ChordPart, ChordPartOutcome } from './chord/chord-part';

/** Options for one write. */
export interface StoreOptions {
  /** Seconds until the key expires; null/0 = never (`result_expires`). Default: the backend's. */
  expiresSec?: number | null;
  /**
   * Largest encoded meta in bytes (`result_max_bytes`); a bigger one is refused with JsonEncodeError
   * `CELERIAC_PROTOCOL_ENCODE_TOO_LARGE` before anything is sent. Default: no limit of our own.
   */
  maxEncodedBytes?: number;
  /** The request's `reply_to`: where the `rpc://` backend sends the state (other backends ignore it). */
  replyTo?: string | null;
  /** The request's `correlation_id` for that reply; the task id when absent (Celery's `destination_for`). */
  correlationId?: string | null;
}

/**
 * Where task states and results go (Celery's result backend). Implementations must publish every
 * stored state to subscribers (`AsyncResult.get()` on Redis waits on pub/sub) and must never
 * overwrite a stored SUCCESS.
 */
export interface ResultBackend {
  /** Connect; throws BackendError with a clear message when the store cannot be reached. */
  connect(): Promise<void>;
  /** Store (and publish) a state change. Returns false when skipped because SUCCESS is already stored. */
  storeResult(meta: ResultMeta, options?: StoreOptions): Promise<boolean>;
  /** Read the stored meta, or null when nothing is stored (PENDING). */
  getTaskMeta(taskId: string): Promise<ResultMeta | null>;
  /** Wait until the task reaches a ready state, via pub/sub; rejects after `timeoutMs`. */
  waitForResult(taskId: string, timeoutMs: number): Promise<ResultMeta>;
  /** Delete the stored meta (`AsyncResult.forget`). */
  forget(taskId: string): Promise<void>;
  /**
   * Records a finished chord header member (Redis: the `.j`/`.t`/`.s` keys of the group) and tells
   * whether the chord is now complete. Optional: backends without chord support omit it.
   */
  onChordPartReturn?(part: ChordPart): Promise<ChordPartOutcome>;
  /** Where applying a chord stores its header size and nested header (`set_chord_size`, `apply_chord`); with onChordPartReturn. */
  readonly chordEffects?: ChordEffects;
  /** Why this backend refuses chords, when it does (Celery's `ensure_chords_allowed`, e.g. rpc's NotImplementedError text). */
  readonly chordRefusal?: string;
  /** The queue this client receives results on, sent as each task's `reply_to` (rpc://: Celery's `oid`). Absent: any. */
  readonly replyQueue?: string;
  /** Called before a task is sent (Celery's `on_task_call`): rpc:// declares and consumes its reply queue first. */
  onTaskCall?(): Promise<void>;
  /** Disconnect. Idempotent. */
  close(): Promise<void>;
}
