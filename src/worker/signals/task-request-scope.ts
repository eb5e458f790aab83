import { pickContextFields, type RequestScope } from '../../app/request-context';
import type { TaskMessage } from '../../protocol/task-message';

/**
 * The request scope a task runs in: its ids and headers, and the correlation fields
 * (`worker_log_context_fields`) read from its headers, else its kwargs. Pure.
 */
export function buildTaskRequestScope(msg: TaskMessage, fieldNames: readonly string[]): RequestScope {
  return {
    id: msg.id, task: msg.task, rootId: msg.rootId || msg.id, parentId: msg.parentId, headers: msg.customHeaders,
    fields: pickContextFields(fieldNames, msg.customHeaders, msg.kwargs),
  };
}
