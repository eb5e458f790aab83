import type { ResultBackend } from '../backend/result-backend';
import { BackendError } from '../errors/celeriac-error';
import { decodeException } from '../protocol/encode-exception';
import { READY_STATES, type ExceptionInfo, type ResultMeta, type TaskState } from '../protocol/result-meta';

/** Longest wait a Node timer can express (~24.8 days): "no timeout", as Python's `get()` without one. */
const FOREVER_MS = 2 ** 31 - 1;

/** Options of `AsyncResult.get`. */
export interface GetOptions {
  /** Reject with BackendError CELERIAC_BACKEND_TIMEOUT after this long. Default: wait (practically) forever. */
  timeoutMs?: number;
  /** The same in seconds, as Python's `get(timeout=...)`; `timeoutMs` wins when both are given. */
  timeout?: number;
  /** Throw the task's exception on FAILURE/REVOKED (default true); false returns it instead. */
  propagate?: boolean;
}

/** What a result's `parent` is: an AsyncResult or a GroupResult (src/producer/group-result.ts). */
export interface ResultNode {
  /** Task or group id. */
  readonly id: string;
  /** Its parent in a chain, else null. */
  parent: ResultNode | null;
  /** Waits for it (a group: every member) and returns the value(s). */
  get(options?: GetOptions): Promise<unknown>;
  /** True once it (every member) is ready. */
  ready(): Promise<boolean>;
}

/**
 * A handle on a task's result (`celery.result.AsyncResult`), reading the ResultBackend only.
 * `get()` waits through the backend's pub/sub (`waitForResult`), as Python's Redis ResultConsumer.
 */
export class AsyncResult<Result = unknown> {
  /** The task id. */
  readonly id: string;
  /** The result this one's task follows in a chain or chord (Python's `AsyncResult.parent`); null when none is known. */
  parent: ResultNode | null = null;
  private readonly backend: ResultBackend | null;

  constructor(id: string, backend: ResultBackend | null) {
    this.id = id;
    this.backend = backend;
  }

  /**
   * Waits for a ready state and returns the result. On FAILURE/REVOKED rejects with an Error whose
   * `name` is the stored `exc_type` and `message` its message (with `pythonType`, `pythonModule`,
   * `pythonArgs`), or returns that Error when `propagate` is false. `Result` is the sending task's
   * handler return type (`task.delay()`), `unknown` for `sendTask` by name unless given.
   */
  get(options?: GetOptions & { propagate?: true }): Promise<Result>;
  /** With `propagate: false` a failure resolves to its Error instead of rejecting. */
  get(options: GetOptions & { propagate: false }): Promise<Result | Error>;
  get(options?: GetOptions): Promise<Result | Error>;
  async get(options: GetOptions = {}): Promise<Result | Error> {
    const timeoutMs = options.timeoutMs ?? (options.timeout !== undefined ? options.timeout * 1000 : FOREVER_MS);
    const meta = await this.requireBackend().waitForResult(this.id, timeoutMs);
    // The stored value is what the task returned, after the JSON round trip: typed by the task that sent it.
    if (meta.status === 'SUCCESS') return meta.result as Result;
    const err = decodeException(toExceptionInfo(meta.result));
    if (options.propagate ?? true) throw err;
    return err;
  }

  /** Current state; `PENDING` when nothing is stored (unknown ids are pending too, as in Celery). */
  async state(): Promise<TaskState> {
    return (await this.meta())?.status ?? 'PENDING';
  }

  /** The stored `result`: return value, custom-state meta, `{pid, hostname}` when STARTED, ExceptionInfo when failed; null when pending. */
  async info(): Promise<unknown> {
    const meta = await this.meta();
    return meta ? meta.result : null;
  }

  /** True once the task reached SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  /** True when the task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.state()) === 'SUCCESS';
  }

  /** True when the task failed (FAILURE), as Python's `AsyncResult.failed()`. */
  async failed(): Promise<boolean> {
    return (await this.state()) === 'FAILURE';
  }

  /** The stored result (Python's `AsyncResult.result`, an alias of `info`): return value, state meta or ExceptionInfo; null when pending. */
  result(): Promise<unknown> {
    return this.info();
  }

  /** The stored traceback text of a failed or retried task, else null (Python's `AsyncResult.traceback`). */
  async traceback(): Promise<string | null> {
    return (await this.meta())?.traceback ?? null;
  }

  /** Deletes the stored result (`AsyncResult.forget`). */
  async forget(): Promise<void> {
    await this.requireBackend().forget(this.id);
  }

  /** The whole stored meta, or null when pending. */
  async meta(): Promise<ResultMeta | null> {
    return this.requireBackend().getTaskMeta(this.id);
  }

  private requireBackend(): ResultBackend {
    if (!this.backend) {
      throw new BackendError('CELERIAC_BACKEND_DISABLED', `no result backend is configured: cannot read the result of task ${this.id}`);
    }
    return this.backend;
  }
}

function toExceptionInfo(result: unknown): ExceptionInfo {
  const r = (result ?? {}) as Partial<ExceptionInfo> & Record<string, unknown>;
  if (typeof r.excType === 'string') return { excType: r.excType, excMessage: Array.isArray(r.excMessage) ? r.excMessage : [], excModule: r.excModule ?? 'builtins' };
  return { excType: 'Exception', excMessage: [typeof result === 'string' ? result : JSON.stringify(result)], excModule: 'builtins' };
}
