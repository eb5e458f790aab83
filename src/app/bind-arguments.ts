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
 * each keyword by its index in `options.params`. With Python-style options the handler also gets,
 * after the params, the extra positionals as one list (`varArgs`, Python's `*args`), then one object
 * of keyword arguments: the keyword-only names (`kwOnly`) and, with `varKwargs` (`**kwargs`), any
 * other. Errors read like Python's for the same call.
 */
export function bindArguments(def: TaskDefinition, args: readonly unknown[], kwargs: Record<string, unknown>): unknown[] {
  const { params, bind, schema, varArgs, kwOnly, varKwargs } = def.options;
  const signatureStyle = varArgs === true || varKwargs === true || kwOnly !== undefined;
  const positional = params ?? [];
  const takesKwargs = params !== undefined || signatureStyle;
  const kwNames = Object.keys(kwargs);
  if (kwNames.length > 0 && !takesKwargs) {
    throw new TaskArgumentError('TypeError',
      `${def.name}() got keyword arguments (${kwNames.join(', ')}) but declares no params; add \`params: [...]\` to its options`);
  }
  const limit = signatureStyle ? positional.length : params?.length;
  if (limit !== undefined && !varArgs && args.length > limit) {
    throw new TaskArgumentError('TypeError',
      `${def.name}() takes ${limit} positional argument${limit === 1 ? '' : 's'} but ${args.length} were given`);
  }
  const out = signatureStyle ? args.slice(0, positional.length) : [...args];
  const filled = new Array<boolean>(Math.max(out.length, positional.length)).fill(false).map((_, i) => i < out.length);
  const keywords: Record<string, unknown> = {};
  for (const name of kwNames) {
    const index = positional.indexOf(name);
    if (index < 0) {
      if (kwOnly?.includes(name) || varKwargs) {
        keywords[name] = kwargs[name];
        continue;
      }
      throw new TaskArgumentError('TypeError', `${def.name}() got an unexpected keyword argument '${name}'`);
    }
    if (filled[index]) throw new TaskArgumentError('TypeError', `${def.name}() got multiple values for argument '${name}'`);
    out[index] = kwargs[name];
    filled[index] = true;
  }
  // Only declared params can be required once a rest list or keyword object follows them.
  const declared = Math.max(0, def.handler.length - (bind ? 1 : 0));
  const required = signatureStyle ? Math.min(declared, positional.length) : declared;
  const missing: string[] = [];
  for (let i = 0; i < required; i++) if (!filled[i]) missing.push(params?.[i] ?? `#${i + 1}`);
  if (missing.length > 0) {
    throw new TaskArgumentError('TypeError', `${def.name}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${missing.map((m) => `'${m}'`).join(' and ')}`);
  }
  if (signatureStyle) {
    out.length = positional.length;
    if (varArgs) out.push(args.slice(positional.length));
    if (kwOnly !== undefined || varKwargs) out.push(keywords);
  } else if (params) {
    out.length = Math.max(out.length, lastFilled(filled) + 1);
  }
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
