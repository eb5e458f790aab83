import { ProtocolError } from '../errors/celeriac-error';

/**
 * A task message that cannot be accepted. Carries the task id and name when they could be read, so
 * the worker can store a FAILURE for the id (a caller's `.get()` then raises instead of hanging).
 */
export class MessageDecodeError extends ProtocolError {
  /** Task id, when the message revealed it. */
  readonly taskId?: string;
  /** Task name, when the message revealed it. */
  readonly taskName?: string;

  constructor(code: string, message: string, context: { taskId?: string; taskName?: string; cause?: unknown } = {}) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    if (context.taskId !== undefined) this.taskId = context.taskId;
    if (context.taskName !== undefined) this.taskName = context.taskName;
  }
}
