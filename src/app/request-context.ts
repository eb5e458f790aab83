import { AsyncLocalStorage } from 'node:async_hooks';

/** What the request scope of a running task holds (Celery's `current_task.request`, reduced to what correlation needs). */
export interface RequestScope {
  /** Task id. */
  id: string;
  /** Registered task name. */
  task: string;
  /** First task of the workflow (the task's own id for a top-level task). */
  rootId: string;
  /** Task that published this one, or null. */
  parentId: string | null;
  /** Custom headers the message carried. */
  headers: Readonly<Record<string, unknown>>;
  /**
   * Correlation fields (`worker_log_context_fields` found in the headers, else the kwargs): added to
   * every log line of the task and copied to the headers of every task it sends.
   */
  fields: Readonly<Record<string, unknown>>;
}

const storage = new AsyncLocalStorage<RequestScope>();
/**
 * Where a scope keeps the result tuples of what its task sent (Python's `request.children`), when the
 * worker records them: a symbol-keyed property rather than a WeakMap entry per task (cheaper to set,
 * and nothing for the collector's ephemeron pass), invisible to JSON and Object.keys.
 */
const TRAIL: unique symbol = Symbol('celeriac.sentResults');
type RecordingScope = RequestScope & { [TRAIL]?: unknown[] };

/**
 * Starts recording what the task of `scope` sends (`delay`, `applyAsync`, a canvas) and returns the
 * list, filled in order with Celery result tuples: the SUCCESS meta's `children`, as Python's
 * `request.children`. Where nothing started one (eager runs, pool threads) sends are not recorded.
 */
export function recordSentResults(scope: RequestScope): unknown[] {
  const trail: unknown[] = [];
  (scope as RecordingScope)[TRAIL] = trail;
  return trail;
}

/** Appends result tuples to the running task's recorded results (send_task's `add_to_parent`), if it records them. */
export function addSentResults(...tuples: unknown[]): void {
  (storage.getStore() as RecordingScope | undefined)?.[TRAIL]?.push(...tuples);
}

/**
 * The request of the task running in this async context, or undefined outside a task. Works in user
 * code called from a handler (database layers, HTTP clients, error reporters), across awaits.
 */
export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it awaits or schedules) inside the request scope of one task. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * The correlation fields of a request: each configured name, taken from the message headers or else
 * from the kwargs (FastAPI producers pass `request_id` either way), when it has a value. Pure.
 */
export function pickContextFields(names: readonly string[], headers: Readonly<Record<string, unknown>>,
  kwargs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = headers[name] ?? kwargs[name];
    if (value !== undefined && value !== null) out[name] = value;
  }
  return out;
}

/**
 * Builds the scope of a task a producer runs under the current one (eager mode, nested calls): the
 * parent's correlation fields carry over, then the new request's own headers/kwargs add to them.
 */
export function buildChildScope(parent: RequestScope | undefined, request: { id: string; task: string; headers: Record<string, unknown>;
  kwargs: Record<string, unknown> }, fieldNames: readonly string[]): RequestScope {
  return {
    id: request.id, task: request.task, rootId: parent?.rootId ?? request.id, parentId: parent?.id ?? null, headers: request.headers,
    fields: { ...parent?.fields, ...pickContextFields(fieldNames, request.headers, request.kwargs) },
  };
}
