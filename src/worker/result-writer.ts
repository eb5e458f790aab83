import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend';
import { coerceError } from '../errors/coerce-error';
import { encodeException, formatTraceback } from '../protocol/encode-exception';
import type { ExceptionInfo, ResultMeta, TaskState } from '../protocol/result-meta';
import type { TaskMessage } from '../protocol/task-message';

/** What the writer needs to know about the run besides the message. */
export interface ResultContext {
  message: TaskMessage;
  /** Worker node name, for `result_extended` and STARTED. */
  hostname: string;
  /** Queue (routing key) the message came from. */
  queue: string | null;
}

/**
 * Builds Celery result metas and stores them (Celery's `Backend.mark_as_*`). A null backend
 * (`result_backend = disabled`) stores nothing.
 */
export class ResultWriter {
  constructor(
    private readonly backend: ResultBackend | null,
    private readonly options: { extended: boolean; expiresSec: number | null; now: () => number },
    private readonly logger: Logger,
  ) {}

  /** STARTED with `{pid, hostname}` (`task_track_started`). */
  markStarted(ctx: ResultContext): Promise<boolean> {
    return this.store(ctx, 'STARTED', { pid: process.pid, hostname: ctx.hostname }, null);
  }

  /** SUCCESS with the return value and the result tuples of the follow-ups it published. */
  markSucceeded(ctx: ResultContext, value: unknown, children: unknown[] = []): Promise<boolean> {
    return this.store(ctx, 'SUCCESS', value === undefined ? null : value, null, children);
  }

  /** FAILURE with the error as a Python exception and a Python-looking traceback. */
  markFailed(ctx: ResultContext, error: unknown): Promise<boolean> {
    return this.store(ctx, 'FAILURE', encodeException(error), formatTraceback(error));
  }

  /** RETRY with the retry's reason (null when retry() had no `exc`, as Python) and the retry itself in `children`. */
  markRetry(ctx: ResultContext, info: ExceptionInfo | null, traceback: string): Promise<boolean> {
    return this.store(ctx, 'RETRY', info, traceback, [[[ctx.message.id, null], null]]);
  }

  /**
   * The same failure stored under another task id (a remaining chain step, or a chord body), as
   * Python's `mark_as_failure` does so `chain.get()` raises: no parent, empty children.
   */
  markOtherFailed(ctx: ResultContext, taskId: string, groupId: string | null, info: ExceptionInfo, traceback: string | null): Promise<boolean> {
    const message: TaskMessage = { ...ctx.message, id: taskId, group: groupId, parentId: null };
    return this.store({ ...ctx, message }, 'FAILURE', info, traceback);
  }

  /** FAILURE with an explicit Python exception (NotRegistered, InvalidTaskError, ...). */
  markFailedWith(ctx: ResultContext, info: ExceptionInfo, traceback: string | null): Promise<boolean> {
    return this.store(ctx, 'FAILURE', info, traceback);
  }

  /** REVOKED with `TaskRevokedError(reason)` (`revoked`, `expired`, `terminated`). */
  markRevoked(ctx: ResultContext, reason: string): Promise<boolean> {
    return this.store(ctx, 'REVOKED', { excType: 'TaskRevokedError', excMessage: [reason], excModule: 'celery.exceptions' }, null);
  }

  /** Any custom state (e.g. PROGRESS) with its meta. */
  markState(ctx: ResultContext, state: TaskState, meta: unknown): Promise<boolean> {
    return this.store(ctx, state, meta, null);
  }

  private async store(ctx: ResultContext, status: TaskState, result: unknown, traceback: string | null, children: unknown[] = []): Promise<boolean> {
    if (!this.backend) return false;
    const msg = ctx.message;
    const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
    const meta: ResultMeta = {
      taskId: msg.id,
      status,
      result,
      traceback,
      children,
      dateDone: ready ? new Date(this.options.now()) : null,
      ...(msg.group ? { groupId: msg.group } : {}),
      ...(msg.parentId ? { parentId: msg.parentId } : {}),
      ...(this.options.extended ? {
        extended: { name: msg.task, args: msg.args, kwargs: msg.kwargs, worker: ctx.hostname, retries: msg.retries, queue: ctx.queue },
      } : {}),
    };
    try {
      return await this.backend.storeResult(meta, { expiresSec: this.options.expiresSec });
    } catch (thrown) {
      const err = coerceError(thrown);
      if (status === 'SUCCESS' && isEncodeFailure(err)) {
        // Python fails the task with kombu's EncodeError when the return value cannot be serialized.
        return this.markFailedWith(ctx, { excType: 'EncodeError', excMessage: [`result is not JSON-serializable: ${err.message}`], excModule: 'kombu.exceptions' }, null);
      }
      this.logger.error({ err, taskId: msg.id, status }, 'cannot store task result');
      return false;
    }
  }
}

function isEncodeFailure(err: Error): boolean {
  return err instanceof TypeError || (err as { code?: string }).code === 'CELERIAC_PROTOCOL_ENCODE';
}
