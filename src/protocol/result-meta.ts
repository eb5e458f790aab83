/** Celery task states (celery/states.py). Any other string is a custom state such as `PROGRESS`. */
export type TaskState =
  | 'PENDING' | 'RECEIVED' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'RETRY' | 'REVOKED' | 'REJECTED' | 'IGNORED'
  | (string & {});

/** States after which `AsyncResult.get()` returns or raises. */
export const READY_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/** A Python exception as the JSON result serializer stores it. */
export interface ExceptionInfo {
  /** Class `__qualname__`, e.g. `ValueError`. */
  excType: string;
  /** The exception's `args`. */
  excMessage: unknown[];
  /** Module the class lives in, e.g. `builtins`. */
  excModule: string;
}

/** Fields `result_extended` adds. */
export interface ExtendedResultFields {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  worker: string;
  retries: number;
  queue: string | null;
  /** Stamp names of a stamped request (`stamped_headers`); stored with `stamps` only when the request has stamps. */
  stampedHeaders?: string[] | null;
  /** Stamp values, stored as top-level keys of the meta (`request_meta.update(request.stamps)`). */
  stamps?: Record<string, unknown>;
}

/**
 * The value stored under `celery-task-meta-<id>` (Backend._get_result_meta), camelCase.
 * `result` is the task's return value, the state meta (custom states), an ExceptionInfo for
 * FAILURE/RETRY/REVOKED, or `{pid, hostname}` for STARTED.
 */
export interface ResultMeta {
  taskId: string;
  status: TaskState;
  result: unknown;
  /** Traceback text, or null. */
  traceback: string | null;
  /** Result tuples of tasks this task published (`[[id, parent], null]`), or null. */
  children: unknown[] | null;
  /** Completion time for ready states, else null. */
  dateDone: Date | null;
  /** Present only when the request had a group. */
  groupId?: string | null;
  /** Present only when the request had a parent. */
  parentId?: string | null;
  /** Present when `result_extended` is on. */
  extended?: ExtendedResultFields;
}
