import type { TaskEventData } from '../../protocol/events/build-task-event-fields';
import type { TaskEventFields } from '../worker-state';

/**
 * The Python reprs events need, injected so the dispatcher stays independent of how they are made
 * (wire them to `pythonRepr`, `exceptionRepr(encodeException(err))` and `formatTraceback`).
 */
export interface EventReprs {
  /** `repr(value)`, e.g. `5`, `'done'`, `(2, 3)`, `{'a': 1}`. */
  repr(value: unknown): string;
  /** `repr(exception)`, e.g. `ValueError('boom')`. */
  exceptionRepr(error: unknown): string;
  /** Python-style traceback text for the error. */
  traceback(error: unknown): string;
}

/** Task event fields as the worker reports them, plus `requeue` for task-rejected. */
export type TaskEventInput = TaskEventFields & { requeue?: boolean };

/** Maps the worker's camelCase event fields to the protocol's event data, computing Python reprs. */
export function buildTaskEventData(fields: TaskEventInput, reprs: EventReprs): TaskEventData {
  const data: TaskEventData = { uuid: fields.uuid };
  if (fields.name !== undefined) data.name = fields.name;
  // args as a tuple, as Python's Request.argsrepr defaults to when the producer sent none
  if (fields.argsRepr != null) data.argsRepr = fields.argsRepr;
  else if (fields.args !== undefined) data.argsRepr = tupleRepr(fields.args, reprs);
  if (fields.kwargsRepr != null) data.kwargsRepr = fields.kwargsRepr;
  else if (fields.kwargs !== undefined) data.kwargsRepr = reprs.repr(fields.kwargs);
  if (fields.retries !== undefined) data.retries = fields.retries;
  if (fields.eta !== undefined) data.eta = fields.eta;
  if (fields.expires !== undefined) data.expires = fields.expires;
  if (fields.rootId !== undefined) data.rootId = fields.rootId;
  if (fields.parentId !== undefined) data.parentId = fields.parentId;
  if ('result' in fields) data.resultRepr = reprs.repr(fields.result);
  if (fields.runtimeSec !== undefined) data.runtimeSec = fields.runtimeSec;
  if (fields.error !== undefined) {
    data.exceptionRepr = reprs.exceptionRepr(fields.error);
    data.traceback = reprs.traceback(fields.error);
  }
  if (fields.requeue !== undefined) data.requeue = fields.requeue;
  if (fields.terminated !== undefined) data.terminated = fields.terminated;
  if (fields.expired !== undefined) data.expired = fields.expired;
  if (fields.signum !== undefined) data.signum = fields.signum;
  return data;
}

/** `repr(tuple(args))`: `()`, `(1,)`, `(1, 2)`. */
function tupleRepr(args: readonly unknown[], reprs: EventReprs): string {
  const items = args.map((a) => reprs.repr(a));
  return items.length === 1 ? `(${items[0] as string},)` : `(${items.join(', ')})`;
}
