import { TaskError } from '../errors/celeriac-error';
import type { TaskDefinition } from './task-definition';

/**
 * A task called with arguments that do not fit its signature. Stored in Python as `TypeError`
 * (what Python raises for the same call), or `ValueError` when a schema rejects the values.
 */
export class TaskArgumentError extends TaskError {
  /** Python exception class name to store. */
  readonly pythonType: 'TypeError' | 'ValueError';
  readonly pythonModule = 'builtins';

  constructor(pythonType: 'TypeError' | 'ValueError', message: string) {
    super(pythonType === 'TypeError' ? 'CELERIAC_TASK_BAD_ARGUMENTS' : 'CELERIAC_TASK_INVALID_ARGUMENTS', message);
    this.pythonType = pythonType;
  }

  /** Python's exception args. */
  get pythonArgs(): unknown[] {
    return [this.message];
  }
}

/**
 * Maps Celery's `(args, kwargs)` onto the handler's positional parameters: positional first, then
 * each keyword by its index in `options.params`. Errors read like Python's for the same call.
 */
export function bindArguments(def: TaskDefinition, args: readonly unknown[], kwargs: Record<string, unknown>): unknown[] {
  const { params, bind, schema } = def.options;
  const out = [...args];
  const kwNames = Object.keys(kwargs);
  if (kwNames.length > 0 && !params) {
    throw new TaskArgumentError('TypeError',
      `${def.name}() got keyword arguments (${kwNames.join(', ')}) but declares no params; add \`params: [...]\` to its options`);
  }
  if (params && args.length > params.length) {
    throw new TaskArgumentError('TypeError',
      `${def.name}() takes ${params.length} positional argument${params.length === 1 ? '' : 's'} but ${args.length} were given`);
  }
  const filled = new Array<boolean>(Math.max(args.length, params?.length ?? 0)).fill(false).map((_, i) => i < args.length);
  for (const name of kwNames) {
    const index = params?.indexOf(name) ?? -1;
    if (index < 0) throw new TaskArgumentError('TypeError', `${def.name}() got an unexpected keyword argument '${name}'`);
    if (filled[index]) throw new TaskArgumentError('TypeError', `${def.name}() got multiple values for argument '${name}'`);
    out[index] = kwargs[name];
    filled[index] = true;
  }
  const required = Math.max(0, def.handler.length - (bind ? 1 : 0));
  const missing: string[] = [];
  for (let i = 0; i < required; i++) if (!filled[i]) missing.push(params?.[i] ?? `#${i + 1}`);
  if (missing.length > 0) {
    throw new TaskArgumentError('TypeError', `${def.name}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${missing.map((m) => `'${m}'`).join(' and ')}`);
  }
  if (params) out.length = Math.max(out.length, lastFilled(filled) + 1);
  if (!schema) return out;
  const parsed = schema.safeParse(out);
  if (parsed.success) return parsed.data as unknown[];
  const detail = parsed.error.issues.map((i) => `${i.path.length ? `[${i.path.map(String).join('.')}]` : 'arguments'}: ${i.message}`).join('; ');
  throw new TaskArgumentError('ValueError', `invalid arguments for ${def.name}: ${detail}`);
}

function lastFilled(filled: boolean[]): number {
  for (let i = filled.length - 1; i >= 0; i--) if (filled[i]) return i;
  return -1;
}
