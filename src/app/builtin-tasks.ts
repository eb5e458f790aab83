import { TaskError } from '../errors/celeriac-error';
import { bindArguments } from './bind-arguments';
import type { TaskDefinition } from './task-definition';

/** Looks a registered task up by name. */
export type TaskLookup = (name: string) => TaskDefinition | undefined;

/** Names of the built-in tasks every app answers to, as Python's `celery/app/builtins.py` registers them. */
export const BUILTIN_TASK_NAMES = ['celery.map', 'celery.starmap', 'celery.accumulate'] as const;

/**
 * The built-in task of that name (`celery.map`, `celery.starmap`: what `task.map(it)`/`task.starmap(it)`
 * send), or undefined. As Python's, they call the named task's handler in this process once per
 * item (`task(item)`, `task(*item)`), one after the other, and return the list of results; the
 * signature's own args are not used. A bound task cannot be called this way here (it would need a
 * request of its own): that is a TaskError, as is a task name this worker does not have.
 * `celery.accumulate(*args, index=None)` (what a Python worker's `task.replace(group)` chains after
 * the group) returns `args[index]`, or all args.
 */
export function builtinTask(name: string, lookup: TaskLookup): TaskDefinition | undefined {
  if (name === 'celery.accumulate') return ACCUMULATE;
  if (name !== 'celery.map' && name !== 'celery.starmap') return undefined;
  const spread = name === 'celery.starmap';
  const handler = async (task: unknown, it: unknown): Promise<unknown[]> => {
    const inner = innerTask(task, lookup, name);
    if (!Array.isArray(it)) throw new TaskError('CELERIAC_TASK_BAD_ARGUMENTS', `${name}: "it" must be a list`);
    const results: unknown[] = [];
    for (const item of it) {
      const args = spread ? (Array.isArray(item) ? item : [item]) : [item];
      results.push(await inner.handler(...bindArguments(inner, args, {})));
    }
    return results;
  };
  return { name, handler, options: { params: ['task', 'it'] } };
}

function innerTask(task: unknown, lookup: TaskLookup, builtin: string): TaskDefinition {
  const taskName = typeof task === 'string' ? task
    : typeof task === 'object' && task !== null && typeof (task as { task?: unknown }).task === 'string' ? (task as { task: string }).task : null;
  if (taskName === null) throw new TaskError('CELERIAC_TASK_BAD_ARGUMENTS', `${builtin}: "task" must be a signature or a task name`);
  const def = lookup(taskName);
  if (!def) throw new TaskError('CELERIAC_TASK_NOT_REGISTERED', `${builtin}: task ${taskName} is not registered`);
  if (def.options.bind) throw new TaskError('CELERIAC_TASK_BAD_HANDLER', `${builtin}: ${taskName} is a bound task; celeriac calls only unbound tasks in-process`);
  return def;
}

const ACCUMULATE: TaskDefinition = {
  name: 'celery.accumulate',
  handler: (args: unknown[], kwargs: Record<string, unknown>) => {
    const index = kwargs.index;
    if (typeof index !== 'number') return args;
    const at = index < 0 ? args.length + index : index;
    if (!Number.isInteger(at) || at < 0 || at >= args.length) throw new TaskError('CELERIAC_TASK_BAD_ARGUMENTS', 'celery.accumulate: tuple index out of range');
    return args[at];
  },
  options: { varArgs: true, varKwargs: true },
};
