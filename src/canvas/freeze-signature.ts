import type { SignatureWire } from '../protocol/task-message';
import { newIdOf, type ApplyEnv, type CanvasResult } from './canvas-result';
import {
  appendListOption, argsOf, asTupleArgs, asWire, cloneWire, groupOf, kwargsOf, listOf, optionsOf, tasksOf, typeOf,
} from './wire-signature';

/** What `freeze(_id, group_id, chord, root_id, parent_id, group_index)` is given. */
export interface FreezeOptions {
  id?: string | null;
  groupId?: string | null;
  chord?: SignatureWire | null;
  rootId?: string | null;
  parentId?: string | null;
  groupIndex?: number | null;
}

/**
 * `sig.freeze(...)` for every canvas type, as `celery.canvas` does it: gives the signature (and its
 * members) their task ids, group ids, chord body and indexes in place, and returns the result it
 * will have. A plain task (and map/starmap/chunks) keeps an id it already has.
 */
export function freezeSignature(w: SignatureWire, f: FreezeOptions, env: ApplyEnv): CanvasResult {
  switch (typeOf(w)) {
    case 'group': return freezeGroup(w, f, env);
    case 'chain': {
      const { results } = prepareChainSteps(w, { args: argsOf(w), kwargs: kwargsOf(w), rootId: f.rootId ?? null, lastTaskId: f.id ?? null,
        groupId: f.groupId ?? null, chordBody: f.chord ?? null, clone: false, groupIndex: f.groupIndex ?? null }, env);
      // prepare_steps ends with `self.id = last_task_id`: a frozen chain carries its last task's id (None too)
      optionsOf(w).task_id = f.id ?? null;
      return results[0] ?? { kind: 'task', id: String(optionsOf(w).task_id ?? newIdOf(env)), parent: null };
    }
    case 'chord': return freezeChord(w, f, env);
    default: return freezePlain(w, f, env);
  }
}

/** `Signature.freeze`. */
function freezePlain(w: SignatureWire, f: FreezeOptions, env: ApplyEnv): CanvasResult {
  const o = optionsOf(w);
  if (typeof o.task_id !== 'string') o.task_id = f.id || newIdOf(env);
  if (f.rootId) o.root_id = f.rootId;
  if (f.parentId) o.parent_id = f.parentId;
  if (!('reply_to' in o)) o.reply_to = env.ctx.replyTo;
  if (f.groupId && !('group_id' in o)) o.group_id = f.groupId;
  if (f.chord) o.chord = f.chord;
  if (f.groupIndex !== undefined && f.groupIndex !== null) o.group_index = f.groupIndex;
  return { kind: 'task', id: o.task_id as string, parent: null };
}

/** `group._freeze_group_tasks`: the group id is its task_id, else the given group id, else new; members flattened. */
export function freezeGroup(w: SignatureWire, f: FreezeOptions, env: ApplyEnv): CanvasResult & { kind: 'group' } {
  const o = optionsOf(w);
  if (typeof o.task_id !== 'string') o.task_id = f.groupId || newIdOf(env);
  const gid = o.task_id as string;
  if (f.groupId) o.group_id = f.groupId;
  if (f.chord) o.chord = f.chord;
  if (f.groupIndex !== undefined && f.groupIndex !== null) o.group_index = f.groupIndex;
  if (!('root_id' in o)) o.root_id = f.rootId ?? null;
  if (!('parent_id' in o)) o.parent_id = f.parentId ?? null;
  const rootId = o.root_id as string | null;
  const parentId = o.parent_id as string | null;
  // `_freeze_unroll`: a deque; a nested group's tasks go back with extendleft, which reverses them.
  const stack = [...tasksOf(w)];
  const members: SignatureWire[] = [];
  const results: CanvasResult[] = [];
  while (stack.length > 0) {
    const task = cloneWire(stack.shift() as SignatureWire);
    if (typeOf(task) === 'group') {
      stack.unshift(...tasksOf(task).reverse());
      continue;
    }
    results.push(freezeSignature(task, { groupId: f.groupId ?? null, chord: f.chord ?? null, rootId, parentId, groupIndex: members.length }, env));
    members.push(task);
  }
  kwargsOf(w).tasks = members;
  return { kind: 'group', id: gid, results, parent: null };
}

/** The header of a chord signature as a group (`kwargs.header` may be a group or a list of signatures). */
export function chordHeaderOf(w: SignatureWire): SignatureWire {
  const header = kwargsOf(w).header;
  if (Array.isArray(header)) return groupOf(header.map((t, i) => asWire(t, `${String(w.task)}.kwargs.header[${i}]`)));
  return asWire(header, `${String(w.task)}.kwargs.header`);
}

/** `chord.freeze`: header frozen with the body as its chord; the body with the given ids; returns the body's result. */
function freezeChord(w: SignatureWire, f: FreezeOptions, env: ApplyEnv): CanvasResult {
  const kw = kwargsOf(w);
  const header = chordHeaderOf(w);
  kw.header = header;
  const body = kw.body ? asWire(kw.body, `${String(w.task)}.kwargs.body`) : null;
  const headerResult = freezeGroup(header, { parentId: f.parentId ?? null, rootId: f.rootId ?? null, chord: body }, env);
  optionsOf(w).task_id = headerResult.id;
  if (!body) return headerResult;
  const bodyResult = freezeSignature(body, { id: f.id ?? null, rootId: f.rootId ?? null, chord: f.chord ?? null, groupId: f.groupId ?? null,
    groupIndex: f.groupIndex ?? null }, env);
  let node: CanvasResult = bodyResult;
  while (node.parent) node = node.parent;
  node.parent = headerResult;
  return bodyResult;
}

/** `chord._descend`: how many completions a header member contributes to its chord. */
export function descendChordSize(w: SignatureWire): number {
  switch (typeOf(w)) {
    case 'group': return tasksOf(w).reduce((n, t) => n + descendChordSize(t), 0);
    case 'chain': {
      for (const step of tasksOf(w).reverse()) {
        const size = descendChordSize(step);
        if (size > 0) return size;
      }
      return 0;
    }
    case 'chord': {
      const body = kwargsOf(w).body;
      return body ? descendChordSize(asWire(body, 'chord.kwargs.body')) : 0;
    }
    default: return 1;
  }
}

/** `link_error` for every canvas type: a group links each member, a chord its body (and header when allowed). */
export function linkErrorOn(w: SignatureWire, errback: SignatureWire, env: Pick<ApplyEnv, 'allowErrorCbOnChordHeader'>): void {
  const type = typeOf(w);
  if (type === 'group') {
    // `sig.clone(immutable=True)` sets an *option* named immutable (the flag itself stays), as Python does.
    for (const member of tasksOf(w)) linkErrorOn(member, cloneWire(errback, [], {}, { immutable: true }), env);
    kwargsOf(w).tasks = tasksOf(w);
    return;
  }
  if (type === 'chord') {
    const header = chordHeaderOf(w);
    kwargsOf(w).header = header;
    if (env.allowErrorCbOnChordHeader) linkErrorOn(header, errback, env);
    for (const member of tasksOf(header)) if (typeOf(member) === 'chord') linkErrorOn(member, errback, env);
    const body = kwargsOf(w).body;
    if (body) linkErrorOn(asWire(body, 'chord.kwargs.body'), errback, env);
    return;
  }
  appendListOption(w, 'link_error', errback);
}

/** What `_chain.prepare_steps` is given. */
export interface PrepareStepsOptions {
  args: unknown[];
  kwargs: Record<string, unknown>;
  rootId: string | null;
  linkError?: unknown;
  lastTaskId: string | null;
  groupId: string | null;
  chordBody: SignatureWire | null;
  clone: boolean;
  groupIndex: number | null;
}

/**
 * `_chain.prepare_steps`: walks the steps last to first, splices nested chains, upgrades
 * `group | sig` to a chord, freezes each step (the last one with the chain's id, group and chord),
 * links results to their parents and adds the chain's errbacks to every step. Returns the steps in
 * reverse order (what the `chain` message field carries) and their results.
 */
export function prepareChainSteps(chain: SignatureWire, p: PrepareStepsOptions, env: ApplyEnv): { tasks: SignatureWire[]; results: CanvasResult[] } {
  const steps = tasksOf(chain);
  const tasks: SignatureWire[] = [];
  const results: CanvasResult[] = [];
  let prevTask: SignatureWire | null = null;
  let prevRes: CanvasResult | null = null;
  let i = 0;
  while (steps.length > 0) {
    let task = steps.pop() as SignatureWire;
    const isFirst = steps.length === 0;
    const isLast = i === 0;
    if (typeOf(task) === 'group' && tasksOf(task).length === 1) task = tasksOf(task)[0] as SignatureWire; // maybe_unroll_group
    if (p.clone) task = isFirst ? cloneWire(task, p.args, p.kwargs) : cloneWire(task);
    else if (isFirst) task.args = asTupleArgs([...p.args, ...argsOf(task)]);
    if (typeOf(task) === 'chain') {
      steps.push(...tasksOf(task));
      continue;
    }
    if (typeOf(task) === 'group' && prevTask) {
      // group(...) | sig inside a chain becomes chord(group, sig)
      tasks.pop();
      results.pop();
      const options: Record<string, unknown> = { root_id: p.rootId };
      if (prevRes?.kind === 'task') options.task_id = prevRes.id;
      task = { task: 'celery.chord', args: [], kwargs: { kwargs: {}, header: tasksOf(task), body: prevTask }, options, subtask_type: 'chord', immutable: false };
      prevTask = tasks[tasks.length - 1] ?? null;
      prevRes = results[results.length - 1] ?? null;
    }
    const res: CanvasResult = isLast
      ? freezeSignature(task, { id: p.lastTaskId, rootId: p.rootId, groupId: p.groupId, chord: p.chordBody, groupIndex: p.groupIndex }, env)
      : freezeSignature(task, { rootId: p.rootId }, env);
    i++;
    if (prevRes && !prevRes.parent) prevRes.parent = res;
    for (const errback of listOf(p.linkError)) linkErrorOn(task, errback, env);
    tasks.push(task);
    results.push(res);
    prevTask = task;
    prevRes = res;
    if (typeOf(task) === 'chord') {
      let node: CanvasResult = res;
      while (node.parent) node = node.parent;
      prevRes = node;
    }
  }
  return { tasks, results };
}
