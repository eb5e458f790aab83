import type { ExceptionInfo } from '../protocol/result-meta';
import type { SignatureWire, TaskMessage } from '../protocol/task-message';
import { applySignature } from './apply-signature';
import type { SignatureApplyContext } from './build-signature-message';
import { toResultTuple, type ApplyEnv, type CanvasEffect, type CurrentTask, type ResultTuple } from './canvas-result';
import { freezeGroup } from './freeze-signature';
import { fromDict, groupOf, listOf, optionsOf, typeOf } from './wire-signature';

/** What the publisher knows about itself (same for every follow-up of one run). */
export type FollowUpContext = Omit<SignatureApplyContext, 'parent' | 'prependArgs' | 'options'> & {
  /** `task_allow_error_cb_on_chord_header` (default false). */
  allowErrorCbOnChordHeader?: boolean;
  /**
   * True when an errback's task is one this worker calls in process with `(request, exc, traceback)`
   * instead of sending it (Python: registered here, unbound, more than one positional parameter).
   */
  isLocalErrback?: (taskName: string) => boolean;
};

/** The success path plan: run `effects` in order, then store SUCCESS with `children`. */
export interface SuccessFollowUps {
  effects: CanvasEffect[];
  /** Result tuples for the SUCCESS meta's `children`, in Python's order (the running task's trail). */
  children: ResultTuple[];
}

function envFor(ctx: FollowUpContext, current: CurrentTask | null): ApplyEnv {
  const { allowErrorCbOnChordHeader, isLocalErrback: _local, ...rest } = ctx;
  return { ctx: rest, current, effects: [], trail: [], allowErrorCbOnChordHeader: allowErrorCbOnChordHeader ?? false };
}

/**
 * After a task succeeded (Python `build_tracer`, before storing SUCCESS): one callback is applied
 * with `(result,)`; several are split into the group callbacks (each applied as its own group) and
 * the rest (applied together as one new group); then the next chain step `chain[-1]` is applied with
 * `(result,)` and `chain = chain[:-1]`; every signature type (chord, group, chain, map, chunks) as
 * `apply_async` applies it, with `parent_id` = this task and `root_id` = its root. Throws CanvasError
 * for a canvas it cannot apply (the task then fails, as Python's would on a publish error) and
 * ProtocolError for a malformed signature.
 */
export function planSuccessFollowUps(msg: TaskMessage, result: unknown, ctx: FollowUpContext): SuccessFollowUps {
  const env = envFor(ctx, { id: msg.id, rootId: msg.rootId });
  // the tracer's keyword order, and priority None (task_inherit_parent_priority is off): kept by the
  // group/chain/chord apply_async, dropped only when a plain task is sent
  const call = { args: [result], options: { parent_id: msg.id, root_id: msg.rootId, priority: null } };
  const callbacks = (msg.embed.callbacks ?? []).map((w, i) => fromDict(w, `embed.callbacks[${i}]`));
  if (callbacks.length === 1) {
    applySignature(callbacks[0] as SignatureWire, call, env);
  } else if (callbacks.length > 1) {
    for (const g of callbacks.filter((s) => typeOf(s) === 'group')) applySignature(g, call, env);
    const plain = callbacks.filter((s) => typeOf(s) !== 'group');
    if (plain.length > 0) applySignature(groupOf(plain), call, env);
  }
  const chain = msg.embed.chain ?? [];
  if (chain.length > 0) {
    const next = fromDict(chain[chain.length - 1], `embed.chain[${chain.length - 1}]`);
    applySignature(next, { ...call, options: { chain: chain.slice(0, -1), ...call.options } }, env);
  }
  return { effects: env.effects, children: env.trail.map(toResultTuple) };
}

/** A remaining chain step that must be marked failed so `chain.get()` raises instead of hanging. */
export interface ChainStepFailure {
  /** The step's frozen `options.task_id`. */
  taskId: string;
  /** `options.group_id` of the step (stored as the meta's `group_id`), or null. */
  groupId: string | null;
  /** `options.group_index` of the step, or null. */
  groupIndex: number | null;
  /** The step's `options.chord` when it is a chord header member: report the failure to that chord too. */
  chord: unknown;
}

/** The failure path plan. */
export interface FailureFollowUps {
  /** Ids (and chord info) to store the same FAILURE/REVOKED under (Backend.mark_as_failure). */
  chainFailures: ChainStepFailure[];
  /** What sending the errbacks does (one group, `(failed id,)` as args), after storing the failure. */
  errbacks: CanvasEffect[];
  /** Errbacks to call in process with `(request, exc, traceback)` first (`isLocalErrback`), in order. */
  localErrbacks: SignatureWire[];
}

/** `_call_task_errbacks`' split: new-style errbacks this worker calls itself, and the rest, sent. */
function splitErrbacks(errbacks: SignatureWire[], ctx: FollowUpContext): { local: SignatureWire[]; sent: SignatureWire[] } {
  const isLocal = ctx.isLocalErrback ?? (() => false);
  return { local: errbacks.filter((e) => isLocal(String(e.task))), sent: errbacks.filter((e) => !isLocal(String(e.task))) };
}

/**
 * After a task failed (not on RETRY), as Python's `Backend.mark_as_failure` + `_call_task_errbacks`:
 * every remaining `embed.chain` element with an `options.task_id` gets the same failure stored (and,
 * when it is a chord member, reported to its chord); all errbacks are sent as ONE group.
 */
export function planFailureFollowUps(msg: TaskMessage, ctx: FollowUpContext): FailureFollowUps {
  const chainFailures: ChainStepFailure[] = [];
  for (const [i, wire] of (msg.embed.chain ?? []).entries()) {
    const o = optionsOf(fromDict(wire, `embed.chain[${i}]`));
    if (typeof o.task_id !== 'string' || o.task_id === '') continue;
    chainFailures.push({ taskId: o.task_id, groupId: typeof o.group_id === 'string' ? o.group_id : null,
      groupIndex: typeof o.group_index === 'number' ? o.group_index : null, chord: o.chord ?? null });
  }
  const { local, sent } = splitErrbacks((msg.embed.errbacks ?? []).map((w, i) => fromDict(w, `embed.errbacks[${i}]`)), ctx);
  return { chainFailures, localErrbacks: local, errbacks: planErrbacks(msg.id, msg.rootId || msg.id, sent, { id: msg.id, rootId: msg.rootId }, ctx) };
}

/**
 * `_call_task_errbacks` for errbacks Python would send as tasks: ONE group (fresh id, indexes
 * 0..n) applied with `(failedId,)`, `parent_id` = failedId, `root_id` = rootId. (Errbacks Python
 * calls in process with `(request, exc, traceback)` are split off before: `isLocalErrback`.)
 */
export function planErrbacks(failedId: string, rootId: string, errbacks: SignatureWire[], current: CurrentTask | null, ctx: FollowUpContext,
  env: ApplyEnv = envFor(ctx, current)): CanvasEffect[] {
  if (errbacks.length === 0) return [];
  const from = env.effects.length;
  applySignature(groupOf(errbacks), { args: [failedId], options: { parent_id: failedId, root_id: rootId } }, env);
  return env.effects.slice(from);
}

/**
 * One step of handling a failed chord: a canvas effect, or a FAILURE to store under an id, with the
 * `children` Python stores there (the running task's trail: the errback groups sent so far).
 */
export type ChordErrorStep = CanvasEffect
  | { kind: 'mark-failed'; taskId: string; exception: ExceptionInfo; children: ResultTuple[] }
  | { kind: 'call-errback'; errback: SignatureWire; requestId: string; exception: ExceptionInfo };

/**
 * `Backend.chord_error_from_stack` when a chord's header failed (or its body could not be sent): a
 * body that is a group gets, per member, its errbacks sent and FAILURE with the member's original
 * exception stored, then the group id marked failed (celery #8786); any other body gets its
 * `link_error` errbacks sent with `(body id,)` and FAILURE `chordError` stored. (Python also
 * broadcasts a revoke for a group body's members, which were never sent; celeriac does not.)
 */
export function planChordError(bodyWire: unknown, chordError: ExceptionInfo, cause: ExceptionInfo, current: CurrentTask | null,
  ctx: FollowUpContext): ChordErrorStep[] {
  const body = fromDict(bodyWire, 'embed.chord');
  const { local, sent: errbacks } = splitErrbacks(listOf(optionsOf(body).link_error), ctx);
  const steps: ChordErrorStep[] = [];
  const callLocal = (requestId: string, exception: ExceptionInfo): void => {
    for (const errback of local) steps.push({ kind: 'call-errback', errback, requestId, exception });
  };
  const env = envFor(ctx, current);
  const fail = (taskId: string, exception: ExceptionInfo): ChordErrorStep => ({ kind: 'mark-failed', taskId, exception, children: env.trail.map(toResultTuple) });
  if (typeOf(body) === 'group') {
    const frozen = freezeGroup(body, {}, env);
    for (const member of frozen.results) {
      callLocal(member.id, cause);
      steps.push(...planErrbacks(member.id, member.id, errbacks, current, ctx, env));
      steps.push(fail(member.id, cause));
    }
    steps.push(fail(frozen.id, cause));
    return steps;
  }
  const bodyId = optionsOf(body).task_id;
  if (typeof bodyId !== 'string' || bodyId === '') return steps;
  callLocal(bodyId, chordError);
  steps.push(...planErrbacks(bodyId, bodyId, errbacks, current, ctx, env));
  steps.push(fail(bodyId, chordError));
  return steps;
}
