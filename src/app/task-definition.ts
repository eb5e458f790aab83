import type { TaskContext } from './task-context';

/**
 * Parses the final positional argument list; zod schemas (`z.tuple([...])`) fit this shape. `Out` is
 * what a successful parse yields: a task with a schema gets it as its handler's argument types.
 */
export interface ArgumentSchema<Out = unknown> {
  safeParse(value: unknown): { success: true; data: Out } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** The argument list a schema yields (`z.tuple([z.number()])` → `[number]`); `unknown[]` when it is no list. */
export type SchemaArgs<S> = S extends ArgumentSchema<infer Out> ? (Out extends unknown[] ? Out : unknown[]) : unknown[];

/** Position of name `K` in `params` (`IndexOf<['a', 'b'], 'b'>` = 1). */
type IndexOf<P extends readonly string[], K extends string, Seen extends unknown[] = []> =
  P extends readonly [infer Head, ...infer Rest extends readonly string[]]
    ? (Head extends K ? Seen['length'] : IndexOf<Rest, K, [...Seen, unknown]>)
    : never;

/**
 * Keyword arguments a task accepts: each name in `params` with the type of the handler parameter at
 * its position. A task without `params` takes none (the worker refuses kwargs it cannot place).
 */
export type KwargsOf<P extends readonly string[], A extends unknown[]> =
  [P[number]] extends [never] ? Record<string, never>
    : string extends P[number] ? Record<string, unknown> : { [K in P[number]]?: A[IndexOf<P, K>] };

/**
 * The `args` of `applyAsync`: every argument when the task takes no keyword arguments (the worker
 * needs them all by position), else any leading ones, keyword arguments naming the rest.
 */
export type ApplyArgs<A extends unknown[], Kw> =
  [Kw] extends [Record<string, never>] ? ([Record<string, never>] extends [Kw] ? A : Partial<A>) : Partial<A>;

/** Per-task options, mirroring Celery's `@app.task(...)` keyword arguments. */
export interface TaskOptions {
  /** Parameter names in order, so Python keyword arguments map onto positions (`params: ['user_id', 'email']`). */
  params?: readonly string[];
  /**
   * Python's `*args`: positional arguments beyond `params` are accepted and passed, after the params,
   * as one list (`def f(self, *args, ...)` → `(task, args, kw) => ...`).
   */
  varArgs?: boolean;
  /** Keyword-only parameter names (after `*args` in Python): passed, with `varKwargs` ones, in one trailing object. */
  kwOnly?: readonly string[];
  /** Python's `**kwargs`: keyword arguments no param names are accepted into the trailing keyword object. */
  varKwargs?: boolean;
  /** Pass a TaskContext as the first argument (Celery's `bind=True`). */
  bind?: boolean;
  /** Default queue for producers of this task (informational for the worker). */
  queue?: string;
  /** Ack after the task finished instead of when it starts (`acks_late`). Defaults to the app's `task_acks_late`. */
  acksLate?: boolean;
  /** Do not store the result (`ignore_result`). */
  ignoreResult?: boolean;
  /** Store STARTED before running (`track_started`). */
  trackStarted?: boolean;
  /** Rate limit per worker, Celery's syntax: `'100/m'`, `'10/s'`, `'5/h'`; changeable with `celery control rate_limit`. */
  rateLimit?: string;
  /** Hard time limit in seconds: the run is abandoned and stored as TimeLimitExceeded. */
  timeLimit?: number;
  /** Soft time limit in seconds: `task.signal` aborts with SoftTimeLimitExceeded. */
  softTimeLimit?: number;
  /** Validates the positional arguments after keyword mapping; a failure fails the task with ValueError. */
  schema?: ArgumentSchema;
  /** Where the handler runs: `'threads'` (a worker thread, for CPU-heavy work) or `'event'` (the event loop); default: the worker's `worker_pool`. */
  pool?: 'threads' | 'event';
  /** Errors that retry the task automatically (Celery's `autoretry_for`): Error classes or names (`'Exception'` = all). */
  autoretryFor?: ReadonlyArray<ErrorMatcher>;
  /** Errors never retried automatically, even when `autoretryFor` matches (`dont_autoretry_for`). */
  dontAutoretryFor?: ReadonlyArray<ErrorMatcher>;
  /** Exponential backoff of automatic retries: true = factor 1, a number = factor (`retry_backoff`). Default: the app's `task_retry_backoff`. */
  retryBackoff?: boolean | number;
  /** Backoff cap in seconds (`retry_backoff_max`, 600). */
  retryBackoffMax?: number;
  /** Full jitter on the backoff (`retry_jitter`, true). */
  retryJitter?: boolean;
  /** Retry limit for `retry()` and automatic retries (`max_retries`, 3); null = unlimited. */
  maxRetries?: number | null;
  /** Countdown in seconds of a retry that names none and has no backoff (`default_retry_delay`, 180). */
  defaultRetryDelay?: number;
  /** Queue that receives the original message when the task finally fails (celeriac; default the app's `task_dead_letter_queue`). */
  deadLetterQueue?: string;
}

/** An Error class (matched with instanceof) or a class name (matched along the error's class chain). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorMatcher = string | (abstract new (...args: any[]) => Error);

/** A task handler: sync or async; receives a TaskContext first when `bind` is set. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskHandler = (...args: any[]) => unknown;

/** A registered task. */
export interface TaskDefinition {
  name: string;
  handler: TaskHandler;
  options: TaskOptions;
}

/** Re-exported for handler authors. */
export type { TaskContext };
