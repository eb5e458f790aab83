import type { SignatureWire } from '../protocol/task-message';
import { newIdOf, toResultTuple, type ApplyCall, type ApplyEnv, type ApplyFn, type CanvasResult } from './canvas-result';
import { freezeGroup, freezeSignature } from './freeze-signature';
import { argsOf, asWire, cloneWire, groupOf, kwargsOf, optionsOf } from './wire-signature';

/** Options `chord.apply_async`/`chord.run` take by name and never pass on. */
const CHORD_CALL_ONLY = ['producer', 'publisher', 'connection', 'router', 'result_cls', 'app', 'interval', 'countdown', 'max_retries', 'eager'];

/**
 * `chord.apply_async` → `chord.run` (Redis backend): the body gets the call's options (so a chord in
 * a chain carries the rest of the chain) and is frozen with the header's group id; the header is
 * frozen with the body as its `chord`, saved as a GroupResult when it holds groups (so the body gets
 * the nested shape), and applied with the chord's partial args; an empty header sends the body with
 * `[]`. Returns the body's result with the header's as its parent.
 */
export function applyChord(w: SignatureWire, call: ApplyCall, env: ApplyEnv, apply: ApplyFn): CanvasResult {
  const callOptions = { ...(call.options ?? {}) };
  const callTaskId = callOptions.task_id;
  delete callOptions.task_id;
  for (const key of CHORD_CALL_ONLY) delete callOptions[key];
  const callArgs = call.args ?? [];
  const partialArgs = callArgs.length > 0 && w.immutable !== true ? [...callArgs, ...argsOf(w)] : argsOf(w);
  const kw = kwargsOf(w);
  const { body: callBody, ...callKwargs } = call.kwargs ?? {};
  const bodyWire = asWire(callBody ?? kw.body, `${String(w.task)}.kwargs.body`);
  const kwargs = { ...((kw.kwargs as Record<string, unknown> | undefined) ?? {}), ...callKwargs };
  const body = cloneWire(bodyWire, [], {}, callOptions);
  const own = optionsOf(w);
  const header = Array.isArray(kw.header)
    ? groupOf((kw.header as SignatureWire[]).map((t, i) => asWire(t, `${String(w.task)}.kwargs.header[${i}]`)),
      { task_id: typeof own.task_id === 'string' ? own.task_id : newIdOf(env) })
    : cloneWire(asWire(kw.header, `${String(w.task)}.kwargs.header`));
  const merged: Record<string, unknown> = { ...own, ...callOptions };
  const optionTaskId = merged.task_id;
  delete merged.task_id;
  const taskId = typeof callTaskId === 'string' ? callTaskId : typeof optionTaskId === 'string' ? optionTaskId : null;
  return runChord(header, body, partialArgs, taskId, kwargs, merged, env, apply);
}

function runChord(header: SignatureWire, body: SignatureWire, partialArgs: unknown[], taskId: string | null, kwargs: Record<string, unknown>,
  options: Record<string, unknown>, env: ApplyEnv, apply: ApplyFn): CanvasResult {
  const headerOptions = optionsOf(header);
  const groupId = typeof headerOptions.task_id === 'string' && headerOptions.task_id ? headerOptions.task_id : newIdOf(env);
  const rootIdOption = optionsOf(body).root_id;
  const rootId = typeof rootIdOption === 'string' ? rootIdOption : null;
  const opts = { ...options };
  delete opts.task_id;
  Object.assign(optionsOf(body), opts);
  const bodyResult = freezeSignature(body, { id: taskId || newIdOf(env), groupId, rootId }, env);
  // Chains and chords are not passed to the header tasks (celery #3771, and nested chords).
  delete opts.chain;
  delete opts.chord;
  const frozenHeader = freezeGroup(header, { groupId, chord: body, rootId }, env);
  let headerResult: CanvasResult;
  if (frozenHeader.results.length > 0) {
    if (frozenHeader.results.some((r) => r.kind === 'group')) {
      env.effects.push({ kind: 'save-group', groupId, result: toResultTuple({ kind: 'group', id: groupId, results: frozenHeader.results, parent: null }) });
    }
    headerResult = apply(header, { args: partialArgs, kwargs, options: { ...opts, task_id: groupId } }, env);
  } else {
    apply(body, { args: [[]] }, env);
    headerResult = frozenHeader;
  }
  bodyResult.parent = headerResult;
  return bodyResult;
}
