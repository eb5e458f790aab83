import type { SignatureWire } from '../protocol/task-message';
import { applyChord } from './apply-chord';
import { buildSignatureMessage } from './build-signature-message';
import { CanvasError } from './canvas-error';
import { newIdOf, type ApplyCall, type ApplyEnv, type CanvasResult } from './canvas-result';
import { descendChordSize, freezeGroup, freezeSignature, prepareChainSteps } from './freeze-signature';
import { parseSignature } from './signature';
import {
  argsOf, asWire, cloneWire, dropNulls, groupOf, hasTupleArgs, kwargsOf, mergeSignature, optionsOf, tasksOf, typeOf,
} from './wire-signature';

export type { ApplyCall, ApplyFn, ResultTuple } from './canvas-result';

/**
 * `sig.apply_async(args, kwargs, **options)` for every canvas type, as a Python worker runs it:
 * a plain task, a group, a chain, a chord (header sent with the body as its chord, the header size
 * stored before the last header task), map/starmap and chunks. Appends what it does to
 * `env.effects` (in order) and the running task's children to `env.trail`; returns the result.
 * Pure: publishing and storing are the caller's. Throws CanvasError for a canvas it cannot apply.
 */
export function applySignature(w: SignatureWire, call: ApplyCall, env: ApplyEnv): CanvasResult {
  switch (typeOf(w)) {
    case null: return sendPlain(w, call, env);
    case 'group': return applyGroup(w, call, env);
    case 'chain': return runChain(w, call, env);
    case 'chord': return applyChord(w, call, env, applySignature);
    case 'xmap': case 'xstarmap': return applyMap(w, call, env);
    case 'chunks': return applySignature(chunksGroup(w), call, env);
    default:
      throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', `cannot apply a "${String(w.subtask_type)}" signature (${String(w.task)})`);
  }
}

/** `Signature.apply_async` → `Task.apply_async` → `app.send_task` (which fills parent/root from the running task). */
function sendPlain(w: SignatureWire, call: ApplyCall, env: ApplyEnv): CanvasResult {
  const m = mergeSignature(w, call.args ?? [], call.kwargs ?? {}, dropNulls(call.options ?? {}));
  const options = { ...m.options };
  if (env.current) {
    if (!options.root_id) options.root_id = env.current.rootId || env.current.id;
    if (!options.parent_id) options.parent_id = env.current.id;
  }
  const sig = parseSignature({ ...w, args: m.merged ? argsOf(w) : m.args, kwargs: m.kwargs, options }, String(w.task));
  const planned = buildSignatureMessage(sig, { ...env.ctx, parent: null, prependArgs: m.merged ? call.args : [], argsTuple: hasTupleArgs(w) });
  env.effects.push({ kind: 'publish', planned });
  const result: CanvasResult = { kind: 'task', id: planned.taskId, parent: null };
  if (call.addToParent !== false && env.current) env.trail.push(result);
  return result;
}

/** `Signature._IMMUTABLE_OPTIONS`. */
const IMMUTABLE = new Set(['group_id', 'stamped_headers']);

/**
 * `group.apply_async`: group id = its task_id (else new); members (nested groups flattened) frozen with
 * it and their index, sent with the call's args; when the group is a chord header the size is stored
 * before the last member is sent. A group of one group result is that result.
 */
export function applyGroup(w: SignatureWire, call: ApplyCall, env: ApplyEnv): CanvasResult {
  const options = { ...(call.options ?? {}) };
  if (options.link !== undefined && options.link !== null) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'Cannot add link to group: use a chord');
  if (options.link_error !== undefined && options.link_error !== null) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'Cannot add link to group: do that on individual tasks');
  delete options.link;
  delete options.link_error;
  if (tasksOf(w).length === 0) return freezeGroup(w, {}, env);
  const own = optionsOf(w);
  const merged: Record<string, unknown> = { ...own };
  for (const [k, v] of Object.entries(options)) if (!(IMMUTABLE.has(k) && k in own)) merged[k] = v;
  const groupId = typeof merged.task_id === 'string' ? merged.task_id : newIdOf(env);
  delete merged.task_id;
  merged.group_id = groupId;
  const rootId = typeof merged.root_id === 'string' ? merged.root_id : null;
  const prepared = prepareMembers(tasksOf(w), groupId, rootId, env);
  const { chord, group_index: _index, ...rest } = merged;
  let chordSize = 0;
  prepared.forEach(({ sig }, i) => {
    const chordObj = chord ?? optionsOf(sig).chord ?? null;
    chordSize += descendChordSize(sig);
    if (chordObj && i === prepared.length - 1) env.effects.push({ kind: 'set-chord-size', groupId, size: chordSize });
    applySignature(sig, { args: call.args ?? [], kwargs: call.kwargs ?? {}, options: { ...rest, chord: chordObj }, addToParent: false }, env);
  });
  const results = prepared.map((p) => p.result);
  const result: CanvasResult = results.length === 1 && results[0]?.kind === 'group' ? results[0] : { kind: 'group', id: groupId, results, parent: null };
  if (call.addToParent !== false && env.current) env.trail.push(result);
  return result;
}

/** `group._prepared`: every member cloned (nested groups unrolled in order) and frozen with the group id and its index. */
function prepareMembers(tasks: SignatureWire[], groupId: string, rootId: string | null, env: ApplyEnv): Array<{ sig: SignatureWire; result: CanvasResult }> {
  return tasks.flatMap((task, index) => {
    const sig = cloneWire(task);
    if (typeOf(sig) === 'group') return prepareMembers(tasksOf(sig), groupId, rootId, env);
    return [{ sig, result: freezeSignature(sig, { groupId, rootId, groupIndex: index }, env) }];
  });
}

/** `_chain.apply_async` → `_chain.run`: steps prepared, the first sent with the rest (reversed) as its `chain`. */
function runChain(w: SignatureWire, call: ApplyCall, env: ApplyEnv): CanvasResult {
  const merged: Record<string, unknown> = { ...optionsOf(w), ...(call.options ?? {}) };
  const { group_id: groupId, chord, task_id: taskId, link, link_error: linkError, root_id: rootId, group_index: groupIndex,
    parent_id: _parent, publisher: _publisher, producer: _producer, ...options } = merged;
  const callArgs = call.args ?? [];
  const args = callArgs.length > 0 && w.immutable !== true ? [...callArgs, ...argsOf(w)] : argsOf(w);
  const { tasks, results } = prepareChainSteps(w, {
    args, kwargs: call.kwargs ?? {}, rootId: str(rootId), linkError, lastTaskId: str(taskId), groupId: str(groupId),
    chordBody: chord ? asWire(chord, 'chain chord') : null, clone: true, groupIndex: typeof groupIndex === 'number' ? groupIndex : null,
  }, env);
  if (results.length === 0) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'cannot apply an empty chain');
  if (link !== undefined && link !== null) {
    const last = tasks[0] as SignatureWire;
    const o = optionsOf(last);
    o.link = [...(Array.isArray(o.link) ? o.link : o.link ? [o.link] : []), ...(Array.isArray(link) ? link : [link])];
  }
  const first = tasks.pop() as SignatureWire;
  // _prepare_chain_from_options: an existing `chain` option is extended, never changed in place.
  const chain = Array.isArray(options.chain) ? [...(options.chain as SignatureWire[]), ...tasks] : tasks;
  const fromApply = applySignature(first, { options: { ...options, chain } }, env);
  return tasks.length === 0 ? fromApply : results[0] as CanvasResult;
}

/** `xmap`/`xstarmap.apply_async`: the built-in `celery.map`/`celery.starmap` task with `{task, it}`, call options only. */
function applyMap(w: SignatureWire, call: ApplyCall, env: ApplyEnv): CanvasResult {
  const kw = kwargsOf(w);
  const builtin: SignatureWire = { task: String(w.task), args: [], kwargs: { task: kw.task, it: Array.isArray(kw.it) ? kw.it : [] }, options: {}, subtask_type: null, immutable: false };
  return sendPlain(builtin, { options: call.options ?? {}, addToParent: call.addToParent ?? true }, env);
}

/** `chunks.group()`: a group of `xstarmap(task, part)` over `it` cut into parts of `n`. */
export function chunksGroup(w: SignatureWire): SignatureWire {
  const kw = kwargsOf(w);
  const it = Array.isArray(kw.it) ? kw.it : [];
  const n = typeof kw.n === 'number' && kw.n > 0 ? kw.n : 1;
  const parts: SignatureWire[] = [];
  for (let i = 0; i < it.length; i += n) {
    parts.push({ task: 'celery.starmap', args: [], kwargs: { task: kw.task, it: it.slice(i, i + n) }, options: {}, subtask_type: 'xstarmap', immutable: true });
  }
  return groupOf(parts);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

