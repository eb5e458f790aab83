// The retrying tasks of Celery's t/integration/tasks.py under the suite's names.
import type { Celery, RetryCall, TaskContext } from '../../src/index';
import { ExpectedException, UnpickleableException } from './expected-exception';
import { isPythonTruthy } from './python-add';
import { T } from './register-basic-tasks';

/** Python's `self.retry(**retry_kwargs)` keywords mapped onto celeriac's RetryCall; an unknown one is refused as Python would. */
function toRetryCall(kwargs: Record<string, unknown>): RetryCall {
  const call: RetryCall = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (value === undefined) continue;
    if (key === 'countdown') call.countdown = Number(value);
    else if (key === 'max_retries') call.maxRetries = value === null ? null : Number(value);
    else if (key === 'expires') { if (value !== null) call.expires = typeof value === 'number' ? value : new Date(String(value)); }
    else if (key === 'priority') call.priority = Number(value);
    else if (key === 'queue') call.queue = String(value);
    else if (key === 'time_limit') call.timeLimit = Number(value);
    else if (key === 'soft_time_limit') call.softTimeLimit = Number(value);
    else throw new TypeError(`retry() got an unexpected keyword argument '${key}'`);
  }
  return call;
}

/** Keyword-only parameters of the `retry_once*` tasks: `(self, *args, expires=None, max_retries=1, countdown=0.1)`. */
interface RetryOnceKw {
  expires?: number | null;
  max_retries?: number;
  countdown?: number;
}

function retryOnceCall({ expires = null, max_retries = 1, countdown = 0.1 }: RetryOnceKw): RetryCall {
  return toRetryCall({ countdown, max_retries, expires });
}

/** Registers the suite's retrying tasks on `app`. */
export function registerRetryTasks(app: Celery): void {
  // retry(return_value=None): Python counts attempts on the task object, i.e. per worker process.
  let attempt = 0;
  app.task(`${T}retry`, (task: TaskContext, returnValue: unknown = null) => {
    if (isPythonTruthy(returnValue)) {
      if (attempt >= 3) {
        attempt = 0;
        return returnValue;
      }
      attempt += 1;
    }
    return task.retry({ exc: new ExpectedException(), countdown: 5 });
  }, { bind: true, params: ['return_value'], defaultRetryDelay: 1 });

  // retry_unpickleable(self, foo, bar, *, retry_kwargs)
  app.task(`${T}retry_unpickleable`, (task: TaskContext, foo: unknown, bar: unknown, kw: { retry_kwargs?: Record<string, unknown> }) =>
    task.retry({ exc: new UnpickleableException(foo, bar), ...toRetryCall(kw.retry_kwargs ?? {}) }),
  { bind: true, params: ['foo', 'bar'], kwOnly: ['retry_kwargs'], defaultRetryDelay: 1 });

  // *args plus keyword-only parameters: varArgs + kwOnly give the extra positionals as one list and
  // the keywords as one object (retry_once_priority and retry_once_headers take no expires in Python).
  const sig = { bind: true, varArgs: true, maxRetries: 1 } as const;
  app.task(`${T}retry_once`, (task: TaskContext, _args: unknown[], kw: RetryOnceKw) => (task.request.retries
    ? task.request.retries : task.retry(retryOnceCall(kw))), { ...sig, kwOnly: ['expires', 'max_retries', 'countdown'] });
  app.task(`${T}retry_once_priority`, (task: TaskContext, _args: unknown[], kw: RetryOnceKw) => (task.request.retries
    ? task.request.deliveryInfo.priority : task.retry(retryOnceCall({ ...kw, expires: null }))), { ...sig, kwOnly: ['expires', 'max_retries', 'countdown'] });
  app.task(`${T}retry_once_headers`, (task: TaskContext, _args: unknown[], kw: RetryOnceKw) => (task.request.retries
    ? task.request.headers : task.retry(retryOnceCall({ ...kw, expires: null }))), { ...sig, kwOnly: ['max_retries', 'countdown'] });

  // ClassBasedAutoRetryTask: autoretry_for=(ValueError,), max_retries 1, backoff; RangeError is ValueError.
  app.task('auto_retry_class_task', (task: TaskContext) => {
    if (task.request.retries) return task.request.retries;
    throw new RangeError('');
  }, { bind: true, autoretryFor: [RangeError], maxRetries: 1, retryBackoff: true });
}
