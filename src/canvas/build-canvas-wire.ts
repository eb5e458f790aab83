import type { SignatureWire } from '../protocol/task-message';
import { CanvasError } from './canvas-error';
import { linkErrorOn } from './freeze-signature';
import { linkOn } from './link-signature';
import { chainOf, groupOf, kwargsOf, listOf, tasksOf, typeOf } from './wire-signature';
import { cloneWireValue } from '../protocol/clone-wire-value';

// The dicts celery.canvas builds for `chain(...)`, `group(...)`, `chord(header, body)` and `a | b`,
// so a canvas built in TypeScript is the canvas a Python producer would send (compared with
// vectors from interop-tests/python/canvas_build_capture.py). Pure: nothing is frozen or sent here.

/** A deep copy (Python's `|` clones before it changes a signature). */
function copy(w: SignatureWire): SignatureWire {
  return cloneWireValue(w);
}

/** `group(*tasks)`: one message per member when applied. */
export function buildGroupWire(tasks: SignatureWire[], options: Record<string, unknown> = {}): SignatureWire {
  return groupOf(tasks.map(copy), { ...options });
}

/** `chord(header, body)`: the header as `_maybe_group` lists it (a group's or chain's tasks, one signature as a list). */
export function buildChordWire(header: SignatureWire | SignatureWire[], body: SignatureWire, options: Record<string, unknown> = {}): SignatureWire {
  const list = Array.isArray(header) ? header : typeOf(header) === 'group' || typeOf(header) === 'chain' ? tasksOf(header) : [header];
  return { task: 'celery.chord', args: [], kwargs: { kwargs: {}, header: list.map(copy), body: copy(body) }, options: { ...options }, subtask_type: 'chord', immutable: false };
}

/**
 * `chain(*tasks)`: `reduce(operator.or_, tasks, _chain())` as `chain.__new__` does, so a group
 * followed by a task becomes a chord, nested chains are flattened and a chord absorbs what follows
 * it into its body; a single signature is a chain of one. Throws CanvasError for no tasks.
 */
export function buildChainWire(tasks: SignatureWire[]): SignatureWire {
  if (tasks.length === 0) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'a chain needs at least one signature');
  if (tasks.length === 1) return chainOf([copy(tasks[0] as SignatureWire)]);
  return tasks.reduce<SignatureWire>((acc, t) => pipeWire(acc, t), chainOf([]));
}

/** `a | b` for any two signatures, by the type of `a` (Signature, _chain, group, chord `__or__`). */
export function pipeWire(a: SignatureWire, b: SignatureWire): SignatureWire {
  switch (typeOf(a)) {
    case 'chain': return pipeChain(a, b);
    case 'group': return buildChordWire(a, b);
    case 'chord': return pipeChord(a, b);
    default: return pipeTask(a, b);
  }
}

/** `Signature.__or__`. */
function pipeTask(a: SignatureWire, b: SignatureWire): SignatureWire {
  if (typeOf(b) === 'chain') return chainOf([copy(a), ...unchainTasks(b)]);
  if (typeOf(b) === 'group') return chainOf([copy(a), unrollGroup(b)]);
  return chainOf([copy(a), copy(b)]);
}

/**
 * `_chain.unchain_tasks`: copies of the steps, the chain's own `link` callbacks moved to the last
 * step and its `link_error` errbacks to every step (so a chain that is spliced into another keeps them).
 */
function unchainTasks(c: SignatureWire): SignatureWire[] {
  const tasks = tasksOf(c).map(copy);
  const last = tasks[tasks.length - 1];
  const options = (c.options ?? {}) as Record<string, unknown>;
  if (last) for (const callback of listOf(options.link)) linkOn(last, callback);
  for (const errback of listOf(options.link_error)) for (const task of tasks) linkErrorOn(task, errback, {});
  return tasks;
}

/** `_chain.__or__`. */
function pipeChain(c: SignatureWire, other: SignatureWire): SignatureWire {
  const own = tasksOf(c);
  const last = own[own.length - 1];
  if (typeOf(other) === 'group') {
    const unrolled = unrollGroup(other);
    if (typeOf(unrolled) !== 'group') return pipeChain(c, unrolled);
    const tasks = unchainTasks(c);
    const lastCopy = tasks[tasks.length - 1];
    if (!lastCopy) return unrolled;
    if (typeOf(lastCopy) === 'chord') {
      setBody(lastCopy, pipeWire(bodyOf(lastCopy), unrolled));
      return chainOf(tasks);
    }
    return chainOf([...tasks, unrolled]);
  }
  if (typeOf(other) === 'chain') return unchainTasks(other).reduce<SignatureWire>((acc, t) => pipeWire(acc, t), c);
  if (last && typeOf(last) === 'group') {
    // `self.clone()`: the chain keeps its own options here
    const sig = copy(c);
    const tasks = tasksOf(sig);
    tasks[tasks.length - 1] = buildChordWire(tasks[tasks.length - 1] as SignatureWire, other);
    const before = tasks[tasks.length - 2];
    if (tasks.length > 1 && before && typeOf(before) === 'chord') {
      setBody(before, pipeWire(bodyOf(before), tasks[tasks.length - 1] as SignatureWire));
      tasks.pop();
    }
    kwargsOf(sig).tasks = tasks;
    return sig;
  }
  if (last && typeOf(last) === 'chord') {
    const sig = copy(c);
    const lastCopy = tasksOf(sig)[own.length - 1] as SignatureWire;
    setBody(lastCopy, pipeWire(bodyOf(lastCopy), other));
    return sig;
  }
  return chainOf([...unchainTasks(c), copy(other)]);
}

/** `chord.__or__`: a task (or a group of one) joins the body; anything else chains after the chord. */
function pipeChord(ch: SignatureWire, other: SignatureWire): SignatureWire {
  const kind = typeOf(other);
  if (kind !== 'group' && kind !== 'chain') {
    const sig = copy(ch);
    setBody(sig, pipeWire(bodyOf(sig), other));
    return sig;
  }
  if (kind === 'group' && tasksOf(other).length === 1) {
    const sig = copy(ch);
    setBody(sig, pipeWire(bodyOf(sig), unrollGroup(other)));
    return sig;
  }
  return pipeTask(ch, other);
}

/** `maybe_unroll_group`: a group of one member is that member. */
function unrollGroup(g: SignatureWire): SignatureWire {
  const tasks = tasksOf(g);
  return tasks.length === 1 ? copy(tasks[0] as SignatureWire) : copy(g);
}

function bodyOf(ch: SignatureWire): SignatureWire {
  return kwargsOf(ch).body as SignatureWire;
}

function setBody(ch: SignatureWire, body: SignatureWire): void {
  kwargsOf(ch).body = body;
}
