import { encodeException, exceptionRepr, formatTraceback } from '../../protocol/encode-exception';
import { pythonRepr } from '../../protocol/python-repr';
import type { EventReprs } from './build-task-event-data';

/**
 * The Python reprs Celery puts in events and control replies: `saferepr` of values (capped at
 * Celery's `argsrepr_maxsize`, 1024), `repr(exception)` as `ValueError('boom')`, and a
 * Python-style traceback.
 */
export const PYTHON_EVENT_REPRS: EventReprs = {
  repr: (value) => pythonRepr(value, { maxChars: 1024 }),
  exceptionRepr: (error) => exceptionRepr(encodeException(error)),
  traceback: (error) => formatTraceback(error),
};
