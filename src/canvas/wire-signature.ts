import type { SignatureWire } from '../protocol/task-message';
import { CanvasError } from './canvas-error';
import { parseSignature } from './signature';
import { cloneWireValue } from '../protocol/clone-wire-value';

// Applying a canvas works on signatures in their wire form (the dict Python's `Signature` is), cloned
// where Python clones and changed in place where Python changes them, so what is published is what a
// Python worker would publish. These helpers are the dict operations `celery.canvas` relies on.

/** `Signature._IMMUTABLE_OPTIONS`: a signature's own value wins over a call option. */
const IMMUTABLE_OPTIONS = ['group_id', 'stamped_headers'];

/** Args arrays that are Python tuples: a cloned signature's (`Signature.clone` makes `tuple(args)`), shown as `(1, 2)`. */
const TUPLE_ARGS = new WeakSet<unknown[]>();

/** Marks `args` as a Python tuple (for `argsrepr`) and returns it. */
export function asTupleArgs(args: unknown[]): unknown[] {
  TUPLE_ARGS.add(args);
  return args;
}

/** True when the signature's args are a tuple in Python (it was cloned), false for a list read from a message. */
export function hasTupleArgs(w: SignatureWire): boolean {
  return Array.isArray(w.args) && TUPLE_ARGS.has(w.args);
}

/** Validates a wire signature (ProtocolError naming `where` when malformed) and returns it. */
export function asWire(value: unknown, where: string): SignatureWire {
  parseSignature(value, where);
  return value as SignatureWire;
}

/** The signature's options object, created when absent. */
export function optionsOf(w: SignatureWire): Record<string, unknown> {
  if (typeof w.options !== 'object' || w.options === null) w.options = {};
  return w.options as Record<string, unknown>;
}

/** The signature's kwargs object, created when absent. */
export function kwargsOf(w: SignatureWire): Record<string, unknown> {
  if (typeof w.kwargs !== 'object' || w.kwargs === null) w.kwargs = {};
  return w.kwargs as Record<string, unknown>;
}

/** The signature's args, [] when absent. */
export function argsOf(w: SignatureWire): unknown[] {
  return Array.isArray(w.args) ? w.args : [];
}

/** `subtask_type`, or null for a plain task. */
export function typeOf(w: SignatureWire): string | null {
  return typeof w.subtask_type === 'string' ? w.subtask_type : null;
}

/** `kwargs.tasks` of a group/chain, each validated. */
export function tasksOf(w: SignatureWire): SignatureWire[] {
  const tasks = kwargsOf(w).tasks;
  if (!Array.isArray(tasks)) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', `${String(w.task)} signature has no kwargs.tasks list`);
  return tasks.map((t, i) => asWire(t, `${String(w.task)}.kwargs.tasks[${i}]`));
}

/** A group signature over `tasks` (Python's `group(tasks, **options)`). */
export function groupOf(tasks: SignatureWire[], options: Record<string, unknown> = {}): SignatureWire {
  return { task: 'celery.group', args: [], kwargs: { tasks }, options, subtask_type: 'group', immutable: false };
}

/** A chain signature over `tasks`. */
export function chainOf(tasks: SignatureWire[], options: Record<string, unknown> = {}): SignatureWire {
  return { task: 'celery.chain', args: [], kwargs: { tasks }, options, subtask_type: 'chain', immutable: false };
}

/** Python's `maybe_list`: null → [], one signature → [it], a list → itself. */
export function listOf(value: unknown): SignatureWire[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as SignatureWire[];
}

/** Drops call options set to None (`Signature.apply_async`: "Extra options set to None are dismissed"). */
export function dropNulls(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** `Signature._merge`: partial args prepended and kwargs merged unless immutable; options merged, immutable keys kept. */
export function mergeSignature(w: SignatureWire, args: unknown[], kwargs: Record<string, unknown>, options: Record<string, unknown>):
  { args: unknown[]; kwargs: Record<string, unknown>; options: Record<string, unknown>; merged: boolean } {
  const own = optionsOf(w);
  const stamped = Array.isArray(own.stamped_headers) ? own.stamped_headers as string[] : [];
  const immutable = new Set([...IMMUTABLE_OPTIONS, ...stamped]);
  const merged: Record<string, unknown> = { ...own };
  for (const [k, v] of Object.entries(options)) if (!(immutable.has(k) && k in own)) merged[k] = v;
  if (w.immutable === true) return { args: argsOf(w), kwargs: kwargsOf(w), options: merged, merged: false };
  return {
    args: args.length > 0 ? [...args, ...argsOf(w)] : argsOf(w),
    kwargs: Object.keys(kwargs).length > 0 ? { ...kwargsOf(w), ...kwargs } : kwargsOf(w),
    options: merged,
    merged: args.length > 0,
  };
}

/** `Signature.clone(args, kwargs, **options)`: a deep copy with the partials merged in. */
export function cloneWire(w: SignatureWire, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: Record<string, unknown> = {}): SignatureWire {
  const copy = cloneWireValue(w);
  if (args.length > 0 || Object.keys(kwargs).length > 0 || Object.keys(options).length > 0) {
    const m = mergeSignature(copy, args, kwargs, options);
    copy.args = m.args === argsOf(copy) ? [...m.args] : m.args;
    copy.kwargs = m.kwargs;
    copy.options = m.options;
  } else {
    copy.args = [...argsOf(copy)];
  }
  asTupleArgs(copy.args as unknown[]);
  return copy;
}

/** Adds `value` to a list option (`link`, `link_error`) as `Signature.extend_list_option` does. */
export function appendListOption(w: SignatureWire, key: string, value: SignatureWire | SignatureWire[]): void {
  const o = optionsOf(w);
  const list = listOf(o[key]);
  for (const v of Array.isArray(value) ? value : [value]) if (!list.some((x) => JSON.stringify(x) === JSON.stringify(v))) list.push(v);
  o[key] = list;
}

/**
 * `Signature.from_dict` over a whole tree: a deep copy in which every chord's header is a plain list
 * of signatures (`chord.__init__` keeps `_maybe_group(header)`), as a Python worker sees a signature
 * it reads from a message. Options (`link`, `chord`, ...) stay as they are until they are applied.
 */
export function fromDict(value: unknown, where: string): SignatureWire {
  return normalise(cloneWireValue(asWire(value, where)));
}

function normalise(w: SignatureWire): SignatureWire {
  const type = typeOf(w);
  if (type === 'group' || type === 'chain') {
    kwargsOf(w).tasks = tasksOf(w).map(normalise);
  } else if (type === 'chord') {
    const kw = kwargsOf(w);
    const header = kw.header;
    const members = Array.isArray(header) ? header
      : typeof header === 'object' && header !== null && ['group', 'chain'].includes(String((header as SignatureWire).subtask_type))
        ? tasksOf(header as SignatureWire) : header === undefined || header === null ? [] : [header];
    kw.header = members.map((m, i) => normalise(asWire(m, `chord.kwargs.header[${i}]`)));
    if (kw.body !== undefined && kw.body !== null) kw.body = normalise(asWire(kw.body, 'chord.kwargs.body'));
    if (kw.kwargs === undefined) kw.kwargs = {};
  }
  return w;
}
