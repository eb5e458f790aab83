import type { SignatureWire, TaskMessage } from '../protocol/task-message';
import { applySignature } from './apply-signature';
import { pipeWire } from './build-canvas-wire';
import { CanvasError } from './canvas-error';
import type { ApplyEnv, CanvasEffect, CanvasResult } from './canvas-result';
import { freezeSignature, linkErrorOn } from './freeze-signature';
import { linkOn } from './link-signature';
import type { FollowUpContext } from './plan-follow-ups';
import { buildSignatureWire } from './signature';
import { fromDict, listOf, optionsOf, tasksOf, typeOf } from './wire-signature';

/**
 * A replacement or an added chord member Celery refuses. Stored as the Python exception Celery
 * raises: `ImproperlyConfigured` (celery.exceptions) for a bad replacement, `ValueError` outside a
 * chord. Codes: `CELERIAC_CANVAS_BAD_REPLACEMENT`, `CELERIAC_CANVAS_NOT_IN_CHORD`.
 */
export class ReplaceError extends CanvasError {
  readonly pythonType: string;
  readonly pythonModule: string;

  constructor(code: 'CELERIAC_CANVAS_BAD_REPLACEMENT' | 'CELERIAC_CANVAS_NOT_IN_CHORD', message: string) {
    super(code, message);
    const notInChord = code === 'CELERIAC_CANVAS_NOT_IN_CHORD';
    this.pythonType = notInChord ? 'ValueError' : 'ImproperlyConfigured';
    this.pythonModule = notInChord ? 'builtins' : 'celery.exceptions';
  }

  /** Python's exception args: the message. */
  get pythonArgs(): unknown[] {
    return [this.message];
  }
}

/** What `task.replace()`/`add_to_chord()` read of the running task's request. */
export type ReplacedRequest = Pick<TaskMessage, 'id' | 'rootId' | 'group' | 'groupIndex' | 'embed' | 'replacedTaskNesting'>;

/** The replacement, planned: carry out `effects` in order; `result` is what `sig.delay()` returned. */
export interface PlannedReplacement {
  effects: CanvasEffect[];
  result: CanvasResult;
}

function envFor(req: ReplacedRequest, ctx: FollowUpContext): ApplyEnv {
  const { allowErrorCbOnChordHeader, isLocalErrback: _local, ...rest } = ctx;
  return { ctx: rest, current: { id: req.id, rootId: req.rootId }, effects: [], trail: [], allowErrorCbOnChordHeader: allowErrorCbOnChordHeader ?? false };
}

/**
 * `Task.replace(sig)` (celery/app/task.py) on the wire form: refuses a signature that is part of a
 * chord and an empty chain (ImproperlyConfigured); a group becomes `chord(group, celery.accumulate.s(
 * index=0))` so there is a body to link to; the request's callbacks and errbacks are linked (a chain's
 * callbacks also pushed to its last task); it is frozen with the request's id (a chain's last task, a
 * chord's body get it); chord, group_id, group_index, root_id and replaced_task_nesting + 1 are set;
 * the rest of the request's chain is piped after it (`sig |= step`, a group there upgraded to a chord
 * as `|` does); then it is applied as `sig.delay()` with the task as parent. Pure: the caller
 * publishes the effects and then ends the run without storing a state (Ignore).
 */
export function planReplace(req: ReplacedRequest, replacement: unknown, ctx: FollowUpContext): PlannedReplacement {
  let sig = fromDict(replacement, 'replacement');
  if ('chord' in optionsOf(sig)) {
    throw new ReplaceError('CELERIAC_CANVAS_BAD_REPLACEMENT', 'A signature replacing a task must not be part of a chord');
  }
  if (typeOf(sig) === 'chain' && tasksOf(sig).length === 0) {
    throw new ReplaceError('CELERIAC_CANVAS_BAD_REPLACEMENT', 'Cannot replace with an empty chain');
  }
  if (typeOf(sig) === 'group') sig = pipeWire(sig, buildSignatureWire('celery.accumulate', { kwargs: { index: 0 } }));
  const env = envFor(req, ctx);
  for (const callback of listOf(req.embed.callbacks)) linkOn(sig, callback);
  for (const errback of listOf(req.embed.errbacks)) linkErrorOn(sig, errback, env);
  const own = optionsOf(sig);
  if (typeOf(sig) === 'chain' && 'link' in own) {
    const last = tasksOf(sig).at(-1) as SignatureWire;
    optionsOf(last).link = [...listOf(optionsOf(last).link), ...listOf(own.link)];
  }
  freezeSignature(sig, { id: req.id }, env);
  const nesting = req.replacedTaskNesting + 1;
  Object.assign(own, { chord: req.embed.chord ?? null, group_id: req.group, group_index: req.groupIndex, root_id: req.rootId, replaced_task_nesting: nesting });
  if (typeOf(sig) === 'chain') for (const step of tasksOf(sig)) optionsOf(step).replaced_task_nesting = nesting;
  const rest = req.embed.chain ?? [];
  for (let i = rest.length - 1; i >= 0; i--) {
    const step = fromDict(rest[i], `embed.chain[${i}]`);
    optionsOf(step).replaced_task_nesting = nesting;
    sig = pipeWire(sig, step);
  }
  const result = applySignature(sig, {}, env);
  return { effects: env.effects, result };
}

/**
 * `Task.add_to_chord(sig)`'s signature: a copy with the request's group_id, group_index, chord and
 * root_id, frozen (so its id is known before it is sent). Throws ReplaceError
 * CELERIAC_CANVAS_NOT_IN_CHORD (Python's ValueError) when the task is no chord header member.
 */
export function buildChordAddition(req: ReplacedRequest, addition: unknown, ctx: FollowUpContext): { wire: SignatureWire; result: CanvasResult } {
  if (!req.embed.chord || !req.group) throw new ReplaceError('CELERIAC_CANVAS_NOT_IN_CHORD', 'Current task is not member of any chord');
  const sig = fromDict(addition, 'add_to_chord signature');
  Object.assign(optionsOf(sig), { group_id: req.group, group_index: req.groupIndex, chord: req.embed.chord, root_id: req.rootId });
  const result = freezeSignature(sig, {}, envFor(req, ctx));
  return { wire: sig, result };
}
