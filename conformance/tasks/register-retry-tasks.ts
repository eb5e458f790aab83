// The retrying tasks of Celery's t/integration/tasks.py under the suite's names.
import type { Celery, RetryCall, TaskContext } from '../../src/index';
import { ExpectedException, UnpickleableException } from './expected-exception';
import { isPythonTruthy } from './python-add';
import { T } from './register-basic-tasks';

/** Python's `self.retry(**retry_kwargs)` keywords mapped onto celeriac's RetryCall; an unknown one is refused as Python would. */
function toRetryCall(kwargs: Record<string, unknown>): RetryCall {
  const call: RetryCall = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'countdown') call.countdown = Number(value);
    else if (key === 'max_retries') call.maxRetries = value === null ? null : Number(value);
    else throw new TypeError(`retry() got an unexpected keyword argument '${key}' (not supported by celeriac)`);
  }
  return call;
}

/**
 * Keyword arguments of the `retry_once*` tasks (`*args, max_retries=1, countdown=0.1`): celeriac
 * cannot declare `*args` next to keyword-only parameters, so the handlers declare the keyword names
 * as `params` (ignoring what lands in them positionally) and read the keywords from the request.
 */
function retryOnceCall(task: TaskContext): RetryCall {
  const { kwargs } = task.request;
  if (kwargs.expires !== undefined && kwargs.expires !== null) {
    // Python's self.retry(expires=...) re-sends with a new expiry; celeriac's retry() has no such option.
    throw new TypeError("retry() got an unexpected keyword argument 'expires' (not supported by celeriac)");
  }
  return toRetryCall({ countdown: kwargs.countdown ?? 0.1, max_retries: kwargs.max_retries ?? 1 });
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

  app.task(`${T}retry_unpickleable`, (task: TaskContext, foo: unknown, bar: unknown, retryKwargs: Record<string, unknown>) =>
    task.retry({ exc: new UnpickleableException(foo, bar), ...toRetryCall(retryKwargs ?? {}) }),
  { bind: true, params: ['foo', 'bar', 'retry_kwargs'], defaultRetryDelay: 1 });

  const keywords = ['expires', 'max_retries', 'countdown'] as const;
  app.task(`${T}retry_once`, (task: TaskContext) => (task.request.retries ? task.request.retries : task.retry(retryOnceCall(task))),
    { bind: true, params: keywords, maxRetries: 1 });
  app.task(`${T}retry_once_priority`, (task: TaskContext) => (task.request.retries
    ? task.request.deliveryInfo.priority : task.retry(retryOnceCall(task))), { bind: true, params: keywords, maxRetries: 1 });
  app.task(`${T}retry_once_headers`, (task: TaskContext) => (task.request.retries
    ? task.request.headers : task.retry(retryOnceCall(task))), { bind: true, params: keywords, maxRetries: 1 });

  // ClassBasedAutoRetryTask: autoretry_for=(ValueError,), max_retries 1, backoff; RangeError is ValueError.
  app.task('auto_retry_class_task', (task: TaskContext) => {
    if (task.request.retries) return task.request.retries;
    throw new RangeError('');
  }, { bind: true, autoretryFor: [RangeError], maxRetries: 1, retryBackoff: true });
}
