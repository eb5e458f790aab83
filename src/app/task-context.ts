import type { Logger } from 'pino';

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
}
