// The plain tasks of Celery's t/integration/tasks.py (arithmetic, sleeping, ids, failures), written
// against celeriac's API under the suite's task names. Each says which Python task it ports.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { SoftTimeLimitExceeded, type Celery, type TaskContext } from '../../src/index';
import { ExpectedException, UnpickleableException } from './expected-exception';
import { isPythonTruthy, pythonAdd, pythonSum } from './python-add';
import { sleepSeconds } from './sleep-seconds';

/** Prefix of every task name in the suite. */
export const T = 't.integration.tasks.';

/** Registers the suite's plain tasks on `app`. */
export function registerBasicTasks(app: Celery): void {
  app.task(`${T}identity`, (x: unknown) => x, { params: ['x'] });
  // add(x, y, z=None): z is added only when truthy, as `if z:` does.
  app.task(`${T}add`, (x: unknown, y: unknown, z: unknown = null) => (isPythonTruthy(z) ? pythonAdd(pythonAdd(x, y), z) : pythonAdd(x, y)),
    { params: ['x', 'y', 'z'] });
  app.task(`${T}mul`, (x: number, y: number) => x * y, { params: ['x', 'y'] });
  app.task(`${T}write_to_file_and_return_int`, (fileName: string, i: number) => {
    appendFileSync(fileName, `${i}\n`);
    return i;
  }, { params: ['file_name', 'i'] });
  app.task(`${T}add_not_typed`, (x: unknown, y: unknown) => pythonAdd(x, y), { params: ['x', 'y'] });
  app.task(`${T}add_ignore_result`, (x: unknown, y: unknown) => pythonAdd(x, y), { params: ['x', 'y'], ignoreResult: true });
  // raise_error(*args) / fail(*args): a rest parameter takes any positional arguments, as *args.
  app.task(`${T}raise_error`, (..._args: unknown[]) => { throw new RangeError('deliberate error'); });
  app.task(`${T}fail`, (...args: unknown[]) => { throw new ExpectedException('Task expected to fail', ...args); });
  app.task(`${T}fail_unpickleable`, (foo: unknown, bar: unknown) => { throw new UnpickleableException(foo, bar); },
    { params: ['foo', 'bar'] });
  app.task(`${T}delayed_sum`, async (task: TaskContext, numbers: unknown[], pauseTime: number = 1) => {
    await sleepSeconds(pauseTime, task.signal);
    return pythonSum(numbers);
  }, { bind: true, params: ['numbers', 'pause_time'] });
  app.task(`${T}delayed_sum_with_soft_guard`, async (task: TaskContext, numbers: unknown[], pauseTime: number = 1) => {
    try {
      await sleepSeconds(pauseTime, task.signal);
      return pythonSum(numbers);
    } catch (err) {
      if (err instanceof SoftTimeLimitExceeded) return 0;
      throw err;
    }
  }, { bind: true, params: ['numbers', 'pause_time'] });
  app.task(`${T}tsum`, (nums: unknown[]) => pythonSum(nums), { params: ['nums'] });
  // xsum: lists inside are summed first (Python: anything Iterable).
  app.task(`${T}xsum`, (nums: unknown[]) => pythonSum(nums.map((n) => (Array.isArray(n) ? pythonSum(n) : n))), { params: ['nums'] });
  app.task(`${T}print_unicode`, (task: TaskContext, logMessage = 'håå®ƒ valmuefrø', printMessage = 'hiöäüß') => {
    task.log.warn({ logMessage }, 'print_unicode');
    console.log(printMessage);
    return null;
  }, { bind: true, params: ['log_message', 'print_message'] });
  app.task(`${T}return_exception`, (e: unknown) => [e, true], { params: ['e'] });
  // sleeping(i, **_): any other keyword is accepted and ignored.
  app.task(`${T}sleeping`, async (task: TaskContext, i: number, _kw: Record<string, unknown>) => {
    await sleepSeconds(i, task.signal);
    return null;
  }, { bind: true, params: ['i'], varKwargs: true });
  app.task(`${T}ids`, (task: TaskContext, i: unknown) => [task.request.rootId, task.request.parentId, i], { bind: true, params: ['i'] });
  app.task(`${T}collect_ids`, (task: TaskContext, res: unknown, i: unknown) => [res, [task.request.rootId, task.request.parentId, i]],
    { bind: true, params: ['res', 'i'] });
  app.task(`${T}return_priority`, (task: TaskContext, ..._args: unknown[]) => `Priority: ${task.request.deliveryInfo.priority ?? 'None'}`,
    { bind: true });
  app.task(`${T}replaced_with_me`, () => true);
  app.task(`${T}return_properties`, (task: TaskContext) => task.request.properties, { bind: true });
  // pydantic=True tasks: the argument arrives as the model's dict and the result leaves as one.
  const addModel = z.object({ x: z.number().int(), y: z.number().int() });
  for (const name of ['add_pydantic', 'add_pydantic_string_annotations']) {
    app.task(`${T}${name}`, (data: unknown) => {
      const { x, y } = addModel.parse(data);
      return { result: x + y };
    }, { params: ['data'] });
  }
  // Python refuses these limits when the task is sent; the worker side only needs the name.
  app.task(`${T}soft_time_limit_must_exceed_time_limit`, () => null, { softTimeLimit: 2, timeLimit: 1 });
}
