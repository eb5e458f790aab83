import { addSentResults, currentRequest } from '../app/request-context';
import type { ResultBackend } from '../backend/result-backend';
import { applySignature } from '../canvas/apply-signature';
import type { PlannedMessage, SignatureApplyContext } from '../canvas/build-signature-message';
import { CanvasError } from '../canvas/canvas-error';
import { toResultTuple, type ApplyCall, type ApplyEnv, type CanvasResult } from '../canvas/canvas-result';
import type { SignatureWire } from '../protocol/task-message';
import { cloneWireValue } from '../protocol/clone-wire-value';

/** What applying a canvas from a producer needs. */
export interface ApplyCanvasDeps {
  /** Publishes one planned message (with the publish signals). */
  publish(planned: PlannedMessage): Promise<void>;
  backend: ResultBackend | null;
  /** Origin, reply_to, routing and time of the messages published now. */
  context: Omit<SignatureApplyContext, 'parent' | 'prependArgs' | 'options'>;
}

/**
 * `sig.apply_async(...)` from a client or from inside a task, with the worker's own planner
 * (applySignature, the code that applies follow-ups as a Python worker would): inside a task the
 * messages get its id as parent and its root as root (Python's `send_task` defaults). Publishes
 * the messages and stores chord header sizes / header GroupResults in order, as `apply_chord` on the
 * Redis backend. Returns the frozen result tree. Throws CanvasError for a chord without a backend that keeps chords.
 */
export async function applyCanvas(wire: SignatureWire, call: ApplyCall, deps: ApplyCanvasDeps): Promise<CanvasResult> {
  const scope = currentRequest();
  const env: ApplyEnv = {
    ctx: scope ? { ...deps.context, inheritHeaders: { ...scope.fields, ...deps.context.inheritHeaders } } : deps.context,
    current: scope ? { id: scope.id, rootId: scope.rootId } : null, effects: [], trail: [],
  };
  const result = applySignature(cloneWireValue(wire), call, env);
  const chords = deps.backend?.chordEffects;
  if (!chords && env.effects.some((e) => e.kind !== 'publish')) {
    throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', deps.backend?.chordRefusal ?? 'a chord needs a result backend that keeps chords (Redis)');
  }
  for (const effect of env.effects) {
    if (effect.kind === 'publish') await deps.publish(effect.planned);
    else if (effect.kind === 'set-chord-size') await chords?.setChordSize(effect.groupId, effect.size);
    else await chords?.saveGroup(effect.groupId, effect.result);
  }
  // add_to_parent: what the canvas added to the running task's trail joins its `children`
  addSentResults(...env.trail.map(toResultTuple));
  return result;
}
