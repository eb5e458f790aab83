import type { Celery } from '../app/celery';
import type { Settings } from '../config/settings-schema';
import { coerceError } from '../errors/coerce-error';
import { decodeTaskMessage, MessageDecodeError } from '../protocol';
import type { TaskMessage } from '../protocol/task-message';
import type { Delivery } from '../transport/transport';
import type { PoisonReport } from './handle-poison';

/** A delivery after the receive step: a task to run, or a message to refuse and why. */
export type Received = { kind: 'task'; msg: TaskMessage } | { kind: 'refused'; report: PoisonReport };

/**
 * The first steps of Celery's receive strategy: decode (content type, size, shape), then look the
 * task up. Pure apart from reading the app's registry; never throws.
 */
export function receiveDelivery(delivery: Delivery, app: Celery, settings: Settings): Received {
  const { refusal } = delivery;
  if (refusal) {
    return {
      kind: 'refused',
      report: {
        code: refusal.code, reason: refusal.reason,
        ...(refusal.taskId ? { taskId: refusal.taskId } : {}),
        ...(refusal.taskName ? { taskName: refusal.taskName } : {}),
        ...(refusal.keptIn ? { keptIn: refusal.keptIn } : {}),
        exception: { excType: 'InvalidTaskError', excMessage: [refusal.reason], excModule: 'celery.exceptions' },
      },
    };
  }
  let msg: TaskMessage;
  try {
    msg = decodeTaskMessage(delivery.message, { accept: settings.accept_content, maxBodyBytes: settings.worker_max_message_bytes });
  } catch (thrown) {
    const err = coerceError(thrown);
    const decodeErr = err instanceof MessageDecodeError ? err : undefined;
    const disallowed = decodeErr?.code === 'CELERIAC_PROTOCOL_CONTENT_DISALLOWED';
    // A message refused before its body was read (size, content type) still names itself in its headers.
    const { headers } = delivery.message;
    const taskId = decodeErr?.taskId ?? (typeof headers.id === 'string' && headers.id ? headers.id : undefined);
    const taskName = decodeErr?.taskName ?? (typeof headers.task === 'string' && headers.task ? headers.task : undefined);
    return {
      kind: 'refused',
      report: {
        code: decodeErr?.code ?? 'CELERIAC_PROTOCOL_BAD_MESSAGE',
        reason: err.message,
        ...(taskId ? { taskId } : {}),
        ...(taskName ? { taskName } : {}),
        exception: disallowed
          ? { excType: 'ContentDisallowed', excMessage: [err.message], excModule: 'kombu.exceptions' }
          : { excType: 'InvalidTaskError', excMessage: [err.message], excModule: 'celery.exceptions' },
      },
    };
  }
  if (!app.getTask(msg.task)) {
    return {
      kind: 'refused',
      report: {
        code: 'CELERIAC_TASK_NOT_REGISTERED', reason: `task ${msg.task} is not registered`, taskId: msg.id, taskName: msg.task, message: msg,
        exception: { excType: 'NotRegistered', excMessage: [msg.task], excModule: 'celery.exceptions' },
      },
    };
  }
  return { kind: 'task', msg };
}
