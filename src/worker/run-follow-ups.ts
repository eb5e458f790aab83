import type { Logger } from 'pino';
import { bindArguments } from '../app/bind-arguments';
import type { TaskDefinition } from '../app/task-definition';
import { chordErrorMessage, type ChordEffects, type ChordPart, type ChordPartOutcome } from '../backend/chord/chord-part';
import { applySignature } from '../canvas/apply-signature';
import type { PlannedMessage } from '../canvas/build-signature-message';
import { CanvasError } from '../canvas/canvas-error';
import type { CanvasEffect } from '../canvas/canvas-result';
import { planChordError, planFailureFollowUps, planSuccessFollowUps, type ChordErrorStep, type FollowUpContext } from '../canvas/plan-follow-ups';
import { argsOf, fromDict, kwargsOf } from '../canvas/wire-signature';
import type { SignatureWire } from '../protocol/task-message';
import { coerceError } from '../errors/coerce-error';
import type { ExceptionInfo } from '../protocol/result-meta';
import type { TaskMessage } from '../protocol/task-message';
import type { ResultContext, ResultWriter } from './result-writer';
import { mergeRecords } from './merge-records';

/** What follow-up publishing needs from the worker. */
export interface FollowUpDeps {
  /** Publishes one planned message on the broker. */
  publish(planned: PlannedMessage): Promise<void>;
  /** The backend's chord bookkeeping, or null when it has none. */
  onChordPartReturn: ((part: ChordPart) => Promise<ChordPartOutcome>) | null;
  /** Where a chord header's size and a nested header's GroupResult go; absent/null: chords cannot be applied. */
  chords?: ChordEffects | null;
  /** Origin, reply_to, routing and time for messages published now. */
  context(): FollowUpContext;
  /** The worker's task of that name: new-style errbacks it has are called in process, as Python's. */
  lookupTask?: (name: string) => TaskDefinition | undefined;
  writer: ResultWriter;
}

/** How a chord header member ended. */
export type ChordMemberOutcome =
  | { state: 'SUCCESS'; result: unknown }
  | { state: 'FAILURE' | 'REVOKED'; exception: ExceptionInfo };

/**
 * Python's test in `_call_task_errbacks`: an errback whose task is registered here, unbound, with
 * more than one positional parameter is a new-style errback, called with `(request, exc, traceback)`.
 */
function isNewStyleErrback(def: TaskDefinition | undefined): boolean {
  if (!def || def.options.bind) return false;
  return def.options.varArgs === true || Math.max(def.handler.length, def.options.params?.length ?? 0) > 1;
}

/** The follow-up context, with the worker's new-style errbacks marked local. */
function contextOf(deps: FollowUpDeps): FollowUpContext {
  const lookup = deps.lookupTask;
  if (!lookup) return deps.context();
  const isLocalErrback = (name: string): boolean => isNewStyleErrback(lookup(name));
  return mergeRecords(deps.context(), { isLocalErrback });
}

/** The failed task as a new-style errback sees it (Python passes its request Context). */
export interface ErrbackRequest {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  rootId: string | null;
  parentId: string | null;
  group: string | null;
}

/**
 * Calls a new-style errback in process, `errback(request, exc, traceback)` (its own args after
 * them, or only its own when it is immutable), as a Python worker does; a throwing one is logged.
 */
async function callLocalErrback(errback: SignatureWire, request: ErrbackRequest, info: ExceptionInfo, traceback: string | null,
  deps: FollowUpDeps, log: Logger): Promise<void> {
  const def = deps.lookupTask?.(String(errback.task));
  if (!def) return;
  const exc = Object.assign(new Error(String(info.excMessage[0] ?? '')), { name: info.excType, pythonModule: info.excModule, pythonArgs: info.excMessage });
  const args = errback.immutable === true ? argsOf(errback) : [request, exc, traceback, ...argsOf(errback)];
  try {
    await def.handler(...bindArguments(def, args, kwargsOf(errback)));
  } catch (thrown) {
    log.error({ err: coerceError(thrown), errback: def.name }, 'errback called in process failed');
  }
}

/** Carries out planned canvas effects in order: publish, store a chord size, save a header GroupResult. */
async function runEffects(effects: CanvasEffect[], deps: FollowUpDeps): Promise<void> {
  for (const effect of effects) {
    if (effect.kind === 'publish') {
      await deps.publish(effect.planned);
      continue;
    }
    if (!deps.chords) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'a chord follow-up needs a result backend that keeps chords (Redis)');
    if (effect.kind === 'set-chord-size') await deps.chords.setChordSize(effect.groupId, effect.size);
    else await deps.chords.saveGroup(effect.groupId, effect.result);
  }
}

/**
 * Sends a `task.replace()` replacement (its planned effects, in order). Returns the error when it
 * could not be sent (the task then fails with it, as Python's `sig.delay()` raising), else null.
 */
export async function publishReplacement(effects: CanvasEffect[], deps: FollowUpDeps): Promise<Error | null> {
  try {
    await runEffects(effects, deps);
    return null;
  } catch (thrown) {
    return coerceError(thrown);
  }
}

/**
 * Success path, before SUCCESS is stored (as Python's tracer, so `children` is filled): applies link
 * callbacks with the result prepended, then the next chain step, whatever their canvas type.
 * Returns the result tuples for `children`. Throws when a follow-up cannot be planned or published:
 * the task then fails.
 */
export async function publishSuccessFollowUps(msg: TaskMessage, value: unknown, deps: FollowUpDeps): Promise<unknown[]> {
  if (!msg.embed.callbacks?.length && !msg.embed.chain?.length) return [];
  const plan = planSuccessFollowUps(msg, value, deps.context());
  await runEffects(plan.effects, deps);
  return plan.children;
}

/**
 * A chord header member finished (any outcome): record it; the member that completes the chord
 * applies the body with the ordered results, or, when a member failed, runs Python's
 * `chord_error_from_stack` (the body's errbacks, FAILURE for the body or each member of a group body).
 */
export async function reportChordPart(msg: TaskMessage, outcome: ChordMemberOutcome, deps: FollowUpDeps, rctx: ResultContext, log: Logger): Promise<void> {
  if (!msg.embed.chord || !msg.group) return;
  await reportPart({ group: msg.group, groupIndex: msg.groupIndex, taskId: msg.id, chord: msg.embed.chord }, msg, outcome, deps, rctx, log);
}

interface PartOf { group: string; groupIndex: number | null; taskId: string; chord: unknown }

async function reportPart(part: PartOf, msg: TaskMessage, outcome: ChordMemberOutcome, deps: FollowUpDeps, rctx: ResultContext, log: Logger): Promise<void> {
  if (!deps.onChordPartReturn) {
    log.error({ group: part.group }, 'task is a chord member but the result backend keeps no chords; the chord body will not run');
    return;
  }
  const current = { id: msg.id, rootId: msg.rootId };
  try {
    const result = await deps.onChordPartReturn({ group: part.group, groupIndex: part.groupIndex, taskId: part.taskId, ...outcome } as ChordPart);
    if (!result.complete) return;
    if ('results' in result) {
      const env = { ctx: deps.context(), current, effects: [] as CanvasEffect[], trail: [] };
      const body = fromDict(part.chord, 'embed.chord');
      try {
        applySignature(body, { args: [result.results] }, env);
        await runEffects(env.effects, deps);
        log.info({ group: part.group, body: body.task }, 'chord complete: body applied');
      } catch (thrown) {
        const err = coerceError(thrown);
        log.error({ err, group: part.group }, 'chord body could not be applied');
        const reason = `Callback error: ${err.name}('${err.message.replace(/'/g, "\\'")}')`;
        const info: ExceptionInfo = { excType: 'ChordError', excMessage: [reason], excModule: 'celery.exceptions' };
        await runChordError(planChordError(part.chord, info, info, current, contextOf(deps)), deps, rctx, log);
      }
      return;
    }
    const reason = result.error.reason ?? chordErrorMessage(result.error);
    const info: ExceptionInfo = { excType: 'ChordError', excMessage: [reason], excModule: 'celery.exceptions' };
    log.warn({ group: part.group, failedMember: result.error.taskId }, 'chord member failed: body marked failed');
    await runChordError(planChordError(part.chord, info, result.error.exception, current, contextOf(deps)), deps, rctx, log);
  } catch (thrown) {
    log.error({ err: coerceError(thrown), group: part.group }, 'chord bookkeeping failed');
  }
}

async function runChordError(steps: ChordErrorStep[], deps: FollowUpDeps, rctx: ResultContext, log: Logger): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'mark-failed') await deps.writer.markOtherFailed(rctx, step.taskId, null, step.exception, null, step.children);
    else if (step.kind === 'call-errback') {
      // chord_error_from_stack's stand-in request: the body's id, task 'unknown'
      const request: ErrbackRequest = { id: step.requestId, task: 'unknown', args: [], kwargs: {}, rootId: null, parentId: null, group: null };
      await callLocalErrback(step.errback, request, step.exception, null, deps, log);
    } else await runEffects([step], deps);
  }
}

/**
 * Failure path, after FAILURE is stored (Python's `mark_as_failure` + `_call_task_errbacks`): the
 * same failure is stored for every remaining chain step so `chain.get()` raises, a step that is a
 * chord member reports it to its chord, and link_error errbacks are called (new-style ones this worker
 * has, in process) or sent. Logs instead of throwing.
 */
export async function runFailureFollowUps(msg: TaskMessage, info: ExceptionInfo, traceback: string, deps: FollowUpDeps,
  rctx: ResultContext, log: Logger): Promise<void> {
  try {
    if (!msg.embed.chain?.length && !msg.embed.errbacks?.length) return;
    const plan = planFailureFollowUps(msg, contextOf(deps));
    const state = info.excType === 'TaskRevokedError' ? 'REVOKED' : 'FAILURE';
    for (const step of plan.chainFailures) {
      await deps.writer.markOtherFailed(rctx, step.taskId, step.groupId, info, traceback);
      if (step.chord && step.groupId) {
        await reportPart({ group: step.groupId, groupIndex: step.groupIndex, taskId: step.taskId, chord: step.chord }, msg,
          { state, exception: info }, deps, rctx, log);
      }
    }
    const request: ErrbackRequest = { id: msg.id, task: msg.task, args: msg.args, kwargs: msg.kwargs, rootId: msg.rootId, parentId: msg.parentId, group: msg.group };
    for (const errback of plan.localErrbacks) await callLocalErrback(errback, request, info, traceback, deps, log);
    await runEffects(plan.errbacks, deps);
  } catch (thrown) {
    log.error({ err: coerceError(thrown) }, 'cannot run failure follow-ups (chain steps, errbacks)');
  }
}
