import type { SignatureWire } from '../protocol/task-message';
import type { PlannedMessage, SignatureApplyContext } from './build-signature-message';

/**
 * Celery's result tuple for `children` and `AsyncResult`/`GroupResult.as_tuple()`:
 * task `[[id, parentTuple|null], null]`, group `[[gid, parentTuple|null], [memberTuples...]]`.
 */
export type ResultTuple = [[string, ResultTuple | null], ResultTuple[] | null];

/** A frozen result as Python's `AsyncResult`/`GroupResult` objects link them (`parent`, group members). */
export type CanvasResult =
  | { kind: 'task'; id: string; parent: CanvasResult | null }
  | { kind: 'group'; id: string; results: CanvasResult[]; parent: CanvasResult | null };

/** `as_tuple()` of a result. */
export function toResultTuple(result: CanvasResult): ResultTuple {
  const parent = result.parent ? toResultTuple(result.parent) : null;
  return result.kind === 'task' ? [[result.id, parent], null] : [[result.id, parent], result.results.map(toResultTuple)];
}

/**
 * One thing applying a canvas does, in order: publish a message, store a chord header size
 * (`set_chord_size`, before the header's last task is sent), or save a header GroupResult (a header
 * holding groups, so the body gets the nested shape: `RedisBackend.apply_chord`).
 */
export type CanvasEffect =
  | { kind: 'publish'; planned: PlannedMessage }
  | { kind: 'set-chord-size'; groupId: string; size: number }
  | { kind: 'save-group'; groupId: string; result: ResultTuple };

/** The running task whose follow-ups are applied (Python's `current_worker_task`), for send_task's parent defaults. */
export interface CurrentTask {
  id: string;
  rootId: string | null;
}

/** Shared state of one top-level apply: the effects in order and the running task's trail (`children`). */
export interface ApplyEnv {
  ctx: Omit<SignatureApplyContext, 'parent' | 'prependArgs' | 'options'>;
  current: CurrentTask | null;
  effects: CanvasEffect[];
  trail: CanvasResult[];
  /** `task_allow_error_cb_on_chord_header` (default false). */
  allowErrorCbOnChordHeader?: boolean;
}

/** A fresh id from the context's generator (uuid4 by default). */
export function newIdOf(env: ApplyEnv): string {
  return env.ctx.newId ? env.ctx.newId() : globalThis.crypto.randomUUID();
}

/** The messages among the effects, in order. */
export function messagesOf(effects: CanvasEffect[]): PlannedMessage[] {
  return effects.flatMap((e) => (e.kind === 'publish' ? [e.planned] : []));
}

/** What `sig.apply_async(args, kwargs, **options)` is called with. */
export interface ApplyCall {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: Record<string, unknown>;
  /** `add_to_parent` (default true): the result joins the running task's `children`. */
  addToParent?: boolean;
}

/** The apply dispatcher, passed to the code that applies nested signatures (no import cycle). */
export type ApplyFn = (w: SignatureWire, call: ApplyCall, env: ApplyEnv) => CanvasResult;
