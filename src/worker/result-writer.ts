import type { Logger } from 'pino';
import type { ResultBackend, StoreOptions } from '../backend/result-backend';
import { coerceError } from '../errors/coerce-error';
import { encodeException, formatTraceback } from '../protocol/encode-exception';
import { READY_STATES, type ExceptionInfo, type ResultMeta, type TaskState } from '../protocol/result-meta';
import type { TaskMessage } from '../protocol/task-message';
import { systemClock, type Clock } from './clock';
import {
  classifyStoreFailure, DEFAULT_STORE_RETRY, encodeErrorInfo, storeRetryDelayMs, type StoreFailure, type StoreOutcome, type StoreRetryPolicy,
} from './store-outcome';

export type { StoreOutcome } from './store-outcome';

/** What the writer needs to know about the run besides the message. */
export interface ResultContext {
  message: TaskMessage;
  /** Worker node name, for `result_extended` and STARTED. */
  hostname: string;
  /** Queue (routing key) the message came from. */
  queue: string | null;
}

/** How the writer builds and stores metas. */
export interface ResultWriterOptions {
  extended: boolean;
  expiresSec: number | null;
  now: () => number;
  /** `result_max_bytes`: largest encoded meta; a bigger result is stored as EncodeError. Null = no limit of our own. */
  maxResultBytes?: number | null;
  /** Retries of a transient failure storing SUCCESS/FAILURE/REVOKED/RETRY. Default DEFAULT_STORE_RETRY. */
  retry?: StoreRetryPolicy;
  /** True once the worker is shutting down: no more retries (the message goes back instead). */
  isStopping?: () => boolean;
  /** Timer for the waits between retries. */
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

const DISABLED: StoreOutcome = { kind: 'disabled' };
const DISABLED_DONE: Promise<StoreOutcome> = Promise.resolve(DISABLED);
const WRITTEN: StoreOutcome = Object.freeze({ kind: 'stored', written: true });
const NOT_WRITTEN: StoreOutcome = Object.freeze({ kind: 'stored', written: false });

/**
 * Builds Celery result metas and stores them (Celery's `Backend.mark_as_*`). A null backend
 * (`result_backend = disabled`) stores nothing. Every `mark*` resolves to a StoreOutcome and never
 * throws. A state that cannot be encoded (too deep, above `result_max_bytes`, not serializable) or
 * that the server refuses for good is replaced by the FAILURE Python stores (kombu's EncodeError);
 * a final state (SUCCESS, FAILURE, REVOKED, RETRY) whose store fails for a reason that may clear up is
 * retried with Celery's full-jitter backoff, bounded, and not once the worker is stopping. STARTED
 * and custom states (PROGRESS) are written once: they are advisory, and must not hold a task up.
 */
export class ResultWriter {
  private readonly retry: StoreRetryPolicy;
  private readonly clock: Clock;

  constructor(
    private readonly backend: ResultBackend | null,
    private readonly options: ResultWriterOptions,
    private readonly logger: Logger,
  ) {
    this.retry = options.retry ?? DEFAULT_STORE_RETRY;
    this.clock = options.clock ?? systemClock;
  }

  /** STARTED with `{pid, hostname}` (`task_track_started`). */
  markStarted(ctx: ResultContext): Promise<StoreOutcome> {
    return this.store(ctx, 'STARTED', { pid: process.pid, hostname: ctx.hostname }, null);
  }

  /** SUCCESS with the return value and the result tuples of the follow-ups it published. */
  markSucceeded(ctx: ResultContext, value: unknown, children: unknown[] = []): Promise<StoreOutcome> {
    return this.store(ctx, 'SUCCESS', value === undefined ? null : value, null, children);
  }

  /** FAILURE with the error as a Python exception and a Python-looking traceback; `children`: what the task sent before it failed. */
  markFailed(ctx: ResultContext, error: unknown, children: unknown[] = []): Promise<StoreOutcome> {
    return this.store(ctx, 'FAILURE', encodeException(error), formatTraceback(error), children);
  }

  /**
   * RETRY with the retry's reason (null when retry() had no `exc`, as Python) and, in `children`,
   * what the task sent before retrying, then the retry itself (Python's `request.children`).
   */
  markRetry(ctx: ResultContext, info: ExceptionInfo | null, traceback: string, sent: unknown[] = []): Promise<StoreOutcome> {
    return this.store(ctx, 'RETRY', info, traceback, [...sent, [[ctx.message.id, null], null]]);
  }

  /**
   * The same failure stored under another task id (a remaining chain step, or a chord body), as
   * Python's `mark_as_failure` does so `chain.get()` raises: no parent; `children` as Python finds
   * them on the running task (a failed chord's body lists the errback groups just sent).
   */
  markOtherFailed(ctx: ResultContext, taskId: string, groupId: string | null, info: ExceptionInfo, traceback: string | null,
    children: unknown[] = []): Promise<StoreOutcome> {
    // Its reply goes where the running task's goes, correlated by its own id (Celery's chain_elem_ctx has no correlation_id).
    const message: TaskMessage = { ...ctx.message, id: taskId, group: groupId, parentId: null, correlationId: null };
    return this.store({ ...ctx, message }, 'FAILURE', info, traceback, children);
  }

  /** FAILURE with an explicit Python exception (NotRegistered, InvalidTaskError, ...). */
  markFailedWith(ctx: ResultContext, info: ExceptionInfo, traceback: string | null): Promise<StoreOutcome> {
    return this.store(ctx, 'FAILURE', info, traceback);
  }

  /** REVOKED with `TaskRevokedError(reason)` (`revoked`, `expired`, `terminated`). */
  markRevoked(ctx: ResultContext, reason: string): Promise<StoreOutcome> {
    return this.store(ctx, 'REVOKED', { excType: 'TaskRevokedError', excMessage: [reason], excModule: 'celery.exceptions' }, null);
  }

  /** Any custom state (e.g. PROGRESS) with its meta. */
  markState(ctx: ResultContext, state: TaskState, meta: unknown): Promise<StoreOutcome> {
    return this.store(ctx, state, meta, null);
  }

  /**
   * One reaction on the backend's promise in the common case (no async frame: a store runs once per
   * task, and every promise costs more while request scopes are tracked).
   */
  private store(ctx: ResultContext, status: TaskState, result: unknown, traceback: string | null, children: unknown[] = []): Promise<StoreOutcome> {
    const backend = this.backend;
    if (!backend) return DISABLED_DONE;
    let meta: ResultMeta;
    let written: Promise<boolean>;
    try {
      meta = this.buildMeta(ctx, status, result, traceback, children, true);
    } catch (thrown) {
      return Promise.reject(thrown);
    }
    try {
      written = backend.storeResult(meta, this.storeOptions(ctx));
    } catch (thrown) {
      return this.recover(ctx, meta, coerceError(thrown));
    }
    return written.then((w) => (w ? WRITTEN : NOT_WRITTEN), (thrown: unknown) => this.recover(ctx, meta, coerceError(thrown)));
  }

  /** After a failed first attempt: retry (final states), or store EncodeError in place of an unencodable ready state. */
  private async recover(ctx: ResultContext, meta: ResultMeta, firstError: Error): Promise<StoreOutcome> {
    const { status } = meta;
    const final = READY_STATES.has(status) || status === 'RETRY';
    const first = await this.retryWrite(meta, firstError, final, this.storeOptions(ctx));
    if (first.ok) return { kind: 'stored', written: first.written };
    const { error, failure } = first;
    const log = { taskId: ctx.message.id, status };
    if ((failure === 'encode' || failure === 'refused') && READY_STATES.has(status)) {
      // Python: the serializer raises EncodeError, trace.py's on_error stores it as the task's FAILURE.
      const exception = encodeErrorInfo(error, failure, this.options.maxResultBytes ?? null);
      const replaced = await this.storeEncodeError(ctx, exception);
      if (replaced.ok) {
        this.logger.error({ ...log, err: error }, 'task result cannot be stored as it is; stored FAILURE EncodeError instead');
        return { kind: 'replaced', exception, cause: error };
      }
      this.logger.error({ ...log, err: replaced.error, attempts: replaced.attempts }, 'cannot store task result');
      return { kind: 'unstored', error: replaced.error };
    }
    this.logger.error({ ...log, err: error, failure, attempts: first.attempts }, 'cannot store task result');
    return { kind: 'unstored', error };
  }

  /** The EncodeError FAILURE: no traceback or children; the extended fields only when they encode. */
  private async storeEncodeError(ctx: ResultContext, exception: ExceptionInfo): Promise<WriteResult> {
    const attempt = await this.write(this.buildMeta(ctx, 'FAILURE', exception, null, [], true), true, this.storeOptions(ctx));
    if (attempt.ok || !this.options.extended || attempt.failure !== 'encode') return attempt;
    // The task's own arguments (result_extended) are what cannot be encoded: store without them.
    return this.write(this.buildMeta(ctx, 'FAILURE', exception, null, [], false), true, this.storeOptions(ctx));
  }

  private buildMeta(ctx: ResultContext, status: TaskState, result: unknown, traceback: string | null, children: unknown[], withExtended: boolean): ResultMeta {
    const msg = ctx.message;
    // The optional keys are assigned, in this order, rather than spread in from `cond ? {...} : {}` (an object per key).
    const meta: ResultMeta = {
      taskId: msg.id,
      status,
      result,
      traceback,
      children,
      dateDone: READY_STATES.has(status) ? new Date(this.options.now()) : null,
    };
    if (msg.group) meta.groupId = msg.group;
    if (msg.parentId) meta.parentId = msg.parentId;
    if (this.options.extended && withExtended) {
      meta.extended = { name: msg.task, args: msg.args, kwargs: msg.kwargs, worker: ctx.hostname, retries: msg.retries, queue: ctx.queue,
        stampedHeaders: msg.stampedHeaders, stamps: msg.stamps };
    }
    return meta;
  }

  /** Expiry and size limit, and the request's reply destination (the rpc:// backend sends there). */
  private storeOptions(ctx: ResultContext): StoreOptions {
    const maxBytes = this.options.maxResultBytes;
    const { replyTo, correlationId } = ctx.message;
    const { expiresSec } = this.options;
    return maxBytes ? { expiresSec, maxEncodedBytes: maxBytes, replyTo, correlationId } : { expiresSec, replyTo, correlationId };
  }

  private async write(meta: ResultMeta, retry: boolean, options: StoreOptions): Promise<WriteResult> {
    try {
      return { ok: true, written: await (this.backend as ResultBackend).storeResult(meta, options) };
    } catch (thrown) {
      return this.retryWrite(meta, coerceError(thrown), retry, options);
    }
  }

  /** After a failed attempt: retried while the failure may clear up, `retry` allows, and the worker is not stopping. */
  private async retryWrite(meta: ResultMeta, firstError: Error, retry: boolean, options: StoreOptions): Promise<WriteResult> {
    let error = firstError;
    for (let attempt = 1; ; attempt++) {
      const failure = classifyStoreFailure(error);
      if (failure !== 'transient' || !retry || attempt > this.retry.maxRetries || this.options.isStopping?.()) {
        return { ok: false, error, failure, attempts: attempt };
      }
      const delayMs = storeRetryDelayMs(this.retry, attempt, this.options.random ?? Math.random);
      this.logger.warn({ err: error, taskId: meta.taskId, status: meta.status, attempt, delayMs }, 'cannot store task result; retrying');
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, delayMs));
      try {
        return { ok: true, written: await (this.backend as ResultBackend).storeResult(meta, options) };
      } catch (thrown) {
        error = coerceError(thrown);
      }
    }
  }
}

type WriteResult = { ok: true; written: boolean; attempts?: undefined } | { ok: false; error: Error; failure: StoreFailure; attempts: number };
