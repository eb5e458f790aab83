import type { TaskMessage } from '../protocol/task-message';
import { applyGroup, applySignature, type ResultTuple } from './apply-signature';
import type { PlannedMessage, SignatureApplyContext } from './build-signature-message';
import { encodeSignature, parseSignature, type Signature } from './signature';

/** What the publisher knows about itself (same for every follow-up of one run). */
export type FollowUpContext = Omit<SignatureApplyContext, 'parent' | 'prependArgs' | 'options'>;

/** The success path plan: publish `messages` in order, then store SUCCESS with `children`. */
export interface SuccessFollowUps {
  messages: PlannedMessage[];
  /** Result tuples for the SUCCESS meta's `children`, in Python's order. */
  children: ResultTuple[];
}

/**
 * After a task succeeded (Python `build_tracer`, before storing SUCCESS): one callback is applied
 * with `(result,)`; several are split into the group callbacks (each applied as its own group) and
 * the rest (applied together as one new group); then the next chain step `chain[-1]` is applied with
 * `(result,)` and `chain = chain[:-1]`. Every message gets `parent_id` = this task and `root_id` =
 * its root. Throws CanvasError CELERIAC_CANVAS_UNSUPPORTED for canvas types it cannot apply (the
 * worker should then fail the task, as Python would on a publish error) and ProtocolError for a
 * malformed signature.
 */
export function planSuccessFollowUps(msg: TaskMessage, result: unknown, ctx: FollowUpContext): SuccessFollowUps {
  const apply: SignatureApplyContext = { ...ctx, parent: msg, prependArgs: [result] };
  const messages: PlannedMessage[] = [];
  const children: ResultTuple[] = [];
  const callbacks = (msg.embed.callbacks ?? []).map((w, i) => parseSignature(w, `embed.callbacks[${i}]`));
  const record = (applied: { messages: PlannedMessage[]; resultTuple: ResultTuple }): void => {
    messages.push(...applied.messages);
    children.push(applied.resultTuple);
  };
  if (callbacks.length === 1) {
    record(applySignature(callbacks[0] as Signature, apply));
  } else if (callbacks.length > 1) {
    const plain = callbacks.filter((s) => s.subtaskType !== 'group');
    for (const g of callbacks.filter((s) => s.subtaskType === 'group')) record(applyGroup(g, apply));
    if (plain.length > 0) record(applyGroup(wrapInGroup(plain), apply));
  }
  const chain = msg.embed.chain ?? [];
  if (chain.length > 0) {
    const next = parseSignature(chain[chain.length - 1], `embed.chain[${chain.length - 1}]`);
    record(applySignature(next, { ...apply, options: { chain: chain.slice(0, -1) } }));
  }
  return { messages, children };
}

/** A remaining chain step that must be marked failed so `chain.get()` raises instead of hanging. */
export interface ChainStepFailure {
  /** The step's frozen `options.task_id`. */
  taskId: string;
  /** `options.group_id` of the step (stored as the meta's `group_id`), or null. */
  groupId: string | null;
  /** The step's `options.chord` when it is a chord header member: report the failure to that chord too. */
  chord: unknown;
}

/** The failure path plan. */
export interface FailureFollowUps {
  /** Ids (and chord info) to store the same FAILURE/REVOKED under (Backend.mark_as_failure). */
  chainFailures: ChainStepFailure[];
  /** Errback messages to publish after storing the failure, as one group, with `(failed id,)` as args. */
  errbacks: PlannedMessage[];
}

/**
 * After a task failed (not on RETRY), as Python's `Backend.mark_as_failure` + `_call_task_errbacks`:
 * every remaining `embed.chain` element with an `options.task_id` gets the same failure stored; all
 * errbacks are sent as ONE group (fresh group id, `group_index` 0..n) with args `(<failed id>,)`,
 * `parent_id` = the failed id, `root_id` = its root. Python calls errbacks whose task it has locally
 * with `(request, exc, traceback)` in-process; a foreign worker cannot, and Python itself publishes
 * them when the task is not registered, which is what this plans.
 */
export function planFailureFollowUps(msg: TaskMessage, ctx: FollowUpContext): FailureFollowUps {
  const chainFailures: ChainStepFailure[] = [];
  for (const [i, wire] of (msg.embed.chain ?? []).entries()) {
    const step = parseSignature(wire, `embed.chain[${i}]`);
    const taskId = step.options.task_id;
    if (typeof taskId !== 'string' || taskId === '') continue;
    const groupId = step.options.group_id;
    chainFailures.push({ taskId, groupId: typeof groupId === 'string' ? groupId : null, chord: step.options.chord ?? null });
  }
  const errbackSigs = (msg.embed.errbacks ?? []).map((w, i) => parseSignature(w, `embed.errbacks[${i}]`));
  let errbacks: PlannedMessage[] = [];
  if (errbackSigs.length > 0) {
    const parent: TaskMessage = { ...msg, rootId: msg.rootId || msg.id };
    errbacks = applyGroup(wrapInGroup(errbackSigs), { ...ctx, parent, prependArgs: [msg.id] }).messages;
  }
  return { chainFailures, errbacks };
}

/** `group(sigs)` as a signature (no id yet: applying it draws a fresh group id). */
function wrapInGroup(members: Signature[]): Signature {
  const tasks = members.map(encodeSignature);
  return { task: 'celery.group', args: [], kwargs: { tasks }, options: {}, subtaskType: 'group', immutable: false };
}
