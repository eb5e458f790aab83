import type { Logger } from 'pino';
import type { SignatureWire } from '../protocol/task-message';

/** What a bound task (`bind: true`) sees of the message that started it, as Celery's `self.request`. */
export interface TaskRequest {
  /** Task id. */
  id: string;
  /** Registered task name. */
  task: string;
  /** Positional arguments as received. */
  args: unknown[];
  /** Keyword arguments as received. */
  kwargs: Record<string, unknown>;
  /** How many times this task was retried before this run. */
  retries: number;
  /** First task of the workflow. */
  rootId: string | null;
  /** Task that published this one. */
  parentId: string | null;
  /** Group id when part of a group/chord. */
  group: string | null;
  /** Position in the group. */
  groupIndex: number | null;
  /** Earliest execution time, if the message had one. */
  eta: Date | null;
  /** Expiry time, if any. */
  expires: Date | null;
  /** Custom headers (`apply_async(headers=...)`). */
  headers: Record<string, unknown>;
  /** Where the message came from. */
  deliveryInfo: { exchange: string; routingKey: string; priority: number | null; redelivered: boolean };
  /** This worker's node name (`celery@host`). */
  hostname: string;
  /** Producer node name. */
  origin: string | null;
  /** `reply_to` property. */
  replyTo: string | null;
  /** `correlation_id` property. */
  correlationId: string | null;
  /** Every message property under its wire name (`app_id`, `priority`, custom ones a producer set): Celery's `request.properties`. */
  properties: Record<string, unknown>;
  /** Stamp names the message carried (`self.request.stamped_headers`; null when unstamped, as Python's). */
  stampedHeaders: string[] | null;
  /** Stamp values by name (`request.stamps`), e.g. `{ monitoring_id: '...' }` from a Python `StampingVisitor`. */
  stamps: Record<string, unknown>;
  /** The chord body this task reports to when it is a chord header member (`request.chord`), else null. */
  chord?: SignatureWire | null;
  /** How many replacements led to this task (`request.replaced_task_nesting`). */
  replacedTaskNesting?: number;
}

/** A canvas built in TypeScript (`CanvasSignature`), as `replace`/`addToChord` read it: its wire dict and, type-only, its result handle. */
export interface SignatureOf<H = unknown> {
  readonly wire: SignatureWire;
  readonly resultType?: H;
}

/** What `task.replace()` and `task.addToChord()` take: a canvas built in TypeScript, or a signature dict as Python serialises one. */
export type SignatureLike = SignatureOf | SignatureWire;

/** Options of `task.addToChord()`. */
export interface AddToChordOptions {
  /** Do not send it: resolve to the signature (frozen, chord size already raised) for the caller to apply (Python's `lazy=True`). */
  lazy?: boolean;
}

/** Options of `task.retry()`, as Python's `self.retry(...)`. */
export interface RetryCall {
  /** Seconds until the retry runs (default 180, Celery's default_retry_delay). */
  countdown?: number;
  /** Run the retry at this instant instead. */
  eta?: Date;
  /** The error that caused the retry: stored in RETRY, and re-thrown when retries are exhausted. */
  exc?: unknown;
  /** Retry limit (default 3; null = unlimited). */
  maxRetries?: number | null;
  /** New positional arguments. */
  args?: unknown[];
  /** New keyword arguments. */
  kwargs?: Record<string, unknown>;
  /** Expiry of the retry: seconds from now or an instant (Python's `expires`); default: the request's own expiry. */
  expires?: number | Date;
  /** Hard time limit of the retry in seconds (`time_limit`); default: the request's. */
  timeLimit?: number;
  /** Soft time limit of the retry in seconds (`soft_time_limit`); default: the request's. */
  softTimeLimit?: number;
  /** Priority of the retry message; default: the request's. */
  priority?: number;
  /** Queue the retry is sent to (`queue`); default: where the request came from. */
  queue?: string;
}

/** The first argument of a bound task: Celery's `self`. */
export interface TaskContext {
  /** The request being executed. */
  request: TaskRequest;
  /** Aborted when the task must stop (revoke with terminate, time limit, cold shutdown). */
  signal: AbortSignal;
  /** Child logger carrying taskId, taskName and retries. */
  log: Logger;
  /** Store a custom state (e.g. `PROGRESS`) readable by Python's `AsyncResult.state` / `.info` while the task runs. */
  updateState(state: string, meta?: unknown): Promise<void>;
  /**
   * Re-sends this task (same id, retries + 1) after `countdown` and ends this run, as Python's
   * `self.retry()`: it throws, so `throw task.retry(...)` and `return task.retry(...)` both work.
   * Past `maxRetries` it throws `exc` (or MaxRetriesExceededError), failing the task.
   */
  retry(options?: RetryCall): never;
  /**
   * Replaces this task with `sig`, as Python's `self.replace(sig)`: the replacement gets this task's
   * id (a chain's last task, a group's accumulated chord body), callbacks, errbacks, the rest of its
   * chain and its chord membership; it is sent and the run ends without storing a state (Celery's
   * Ignore), the message acked. It throws, so `return task.replace(sig)` / `throw task.replace(sig)`
   * both work. A signature that is part of a chord, or an empty chain, fails the task with
   * ImproperlyConfigured (ReplaceError CELERIAC_CANVAS_BAD_REPLACEMENT), as Python's.
   */
  replace(sig: SignatureLike): never;
  /**
   * Adds `sig` to the chord this task is a header member of, as Python's `self.add_to_chord(sig)`:
   * the chord then waits for one more result (Redis `.t` counter, shared with Python workers), `sig`
   * is sent with this task's group and chord, and its AsyncResult (a chord's: its body's) returned;
   * with `lazy` nothing is sent and the frozen signature is returned. Rejects with ReplaceError
   * CELERIAC_CANVAS_NOT_IN_CHORD (Python's ValueError) outside a chord header.
   */
  addToChord<S extends SignatureOf>(sig: S, options?: { lazy?: false }): Promise<NonNullable<S['resultType']>>;
  addToChord<S extends SignatureOf>(sig: S, options: { lazy: true }): Promise<S>;
  addToChord(sig: SignatureLike, options?: AddToChordOptions): Promise<unknown>;
}
