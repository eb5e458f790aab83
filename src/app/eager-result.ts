import { AsyncResult, type GetOptions } from '../producer/async-result';
import type { ResultMeta, TaskState } from '../protocol/result-meta';

/** How an eager run ended. */
export type EagerOutcome<Result> =
  | { state: 'SUCCESS'; value: Result }
  /** FAILURE: the task threw; IGNORED / REJECTED: it threw Ignore / Reject (Python's tracer states). */
  | { state: 'FAILURE' | 'IGNORED' | 'REJECTED'; error: Error; traceback: string };

/**
 * The result of a task run in-process by eager mode (Python's `celery.result.EagerResult`): the same
 * API as AsyncResult, answered from the outcome it holds (no result backend is read or written).
 * `delay()` / `applyAsync()` / `sendTask()` return it typed as `AsyncResult<Result>`.
 */
export class EagerResult<Result = unknown> extends AsyncResult<Result> {
  /** Registered name of the task that ran. */
  readonly name: string;
  private readonly outcome: EagerOutcome<Result>;
  private readonly doneAt: Date;

  constructor(id: string, name: string, outcome: EagerOutcome<Result>, doneAt: Date = new Date()) {
    super(id, null);
    this.name = name;
    this.outcome = outcome;
    this.doneAt = doneAt;
  }

  /** The return value; otherwise rejects with the task's own error (or returns it with `propagate: false`). */
  override get(options?: GetOptions & { propagate?: true }): Promise<Result>;
  override get(options: GetOptions & { propagate: false }): Promise<Result | Error>;
  override get(options?: GetOptions): Promise<Result | Error>;
  override async get(options: GetOptions = {}): Promise<Result | Error> {
    if (this.outcome.state === 'SUCCESS') return this.outcome.value;
    if (options.propagate ?? true) throw this.outcome.error;
    return this.outcome.error;
  }

  override async state(): Promise<TaskState> {
    return this.outcome.state;
  }

  /** The return value, or the Error on FAILURE (as Python's `EagerResult.result`). */
  override async info(): Promise<unknown> {
    return this.outcome.state === 'SUCCESS' ? this.outcome.value : this.outcome.error;
  }

  /** Always true: the task ran to its end before the result existed (Python's `EagerResult.ready()`). */
  override async ready(): Promise<boolean> {
    return true;
  }

  override async traceback(): Promise<string | null> {
    return this.outcome.state === 'SUCCESS' ? null : this.outcome.traceback;
  }

  /** Nothing is stored in eager mode: there is nothing to forget (Python's `EagerResult.forget` does nothing either). */
  override async forget(): Promise<void> {
    return undefined;
  }

  /** The outcome as a ResultMeta, shaped as the worker would have stored it (the error as itself, not its wire form). */
  override async meta(): Promise<ResultMeta> {
    return {
      taskId: this.id, status: this.outcome.state, result: await this.info(), traceback: await this.traceback(),
      children: null, dateDone: this.doneAt,
    };
  }
}
