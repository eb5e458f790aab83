import type { Logger } from 'pino';
import { chordErrorMessage, type ChordPart, type ChordPartOutcome } from '../backend/chord/chord-part';
import { applySignature } from '../canvas/apply-signature';
import type { PlannedMessage } from '../canvas/build-signature-message';
import { planFailureFollowUps, planSuccessFollowUps, type FollowUpContext } from '../canvas/plan-follow-ups';
import { parseSignature } from '../canvas/signature';
import { coerceError } from '../errors/coerce-error';
import type { ExceptionInfo } from '../protocol/result-meta';
import type { TaskMessage } from '../protocol/task-message';
import type { ResultContext, ResultWriter } from './result-writer';

/** What follow-up publishing needs from the worker. */
export interface FollowUpDeps {
  /** Publishes one planned message on the broker. */
  publish(planned: PlannedMessage): Promise<void>;
  /** The backend's chord bookkeeping, or null when it has none. */
  onChordPartReturn: ((part: ChordPart) => Promise<ChordPartOutcome>) | null;
  /** Origin, reply_to, routing and time for messages published now. */
  context(): FollowUpContext;
  writer: ResultWriter;
}

/** How a chord header member ended. */
export type ChordMemberOutcome =
  | { state: 'SUCCESS'; result: unknown }
  | { state: 'FAILURE' | 'REVOKED'; exception: ExceptionInfo };

/**
 * Success path, before SUCCESS is stored (as Python's tracer, so `children` is filled): publishes
 * link callbacks with the result prepended, then the next chain step. Returns the result tuples
 * for `children`. Throws when a follow-up cannot be planned or published: the task then fails.
 */
export async function publishSuccessFollowUps(msg: TaskMessage, value: unknown, deps: FollowUpDeps): Promise<unknown[]> {
  if (!msg.embed.callbacks?.length && !msg.embed.chain?.length) return [];
  const plan = planSuccessFollowUps(msg, value, deps.context());
  for (const planned of plan.messages) await deps.publish(planned);
  return plan.children;
}

/**
 * A chord header member finished (any outcome): record it; the member that completes the chord
 * publishes the body with the ordered results, or stores ChordError for the body when a member failed.
 */
export async function reportChordPart(msg: TaskMessage, outcome: ChordMemberOutcome, deps: FollowUpDeps, rctx: ResultContext, log: Logger): Promise<void> {
  if (!msg.embed.chord || !msg.group) return;
  if (!deps.onChordPartReturn) {
    log.error({ group: msg.group }, 'task is a chord member but the result backend keeps no chords; the chord body will not run');
    return;
  }
  try {
    const result = await deps.onChordPartReturn({ group: msg.group, groupIndex: msg.groupIndex, taskId: msg.id, ...outcome } as ChordPart);
    if (!result.complete) return;
    const body = parseSignature(msg.embed.chord, 'embed.chord');
    if ('results' in result) {
      const applied = applySignature(body, { ...deps.context(), parent: msg, prependArgs: [result.results] });
      for (const planned of applied.messages) await deps.publish(planned);
      log.info({ group: msg.group, body: body.task }, 'chord complete: body published');
      return;
    }
    const bodyId = body.options.task_id;
    const info: ExceptionInfo = { excType: 'ChordError', excMessage: [chordErrorMessage(result.error)], excModule: 'celery.exceptions' };
    log.warn({ group: msg.group, failedMember: result.error.taskId }, 'chord member failed: body marked failed');
    if (typeof bodyId === 'string' && bodyId) {
      const groupId = typeof body.options.group_id === 'string' ? body.options.group_id : null;
      await deps.writer.markOtherFailed(rctx, bodyId, groupId, info, null);
    }
  } catch (thrown) {
    log.error({ err: coerceError(thrown), group: msg.group }, 'chord bookkeeping failed');
  }
}

/**
 * Failure path, after FAILURE is stored (Python's `mark_as_failure` + `_call_task_errbacks`): the
 * same failure is stored for every remaining chain step so `chain.get()` raises, chords hear of it,
 * and link_error errbacks are published. Logs instead of throwing.
 */
export async function runFailureFollowUps(msg: TaskMessage, info: ExceptionInfo, traceback: string, deps: FollowUpDeps,
  rctx: ResultContext, log: Logger): Promise<void> {
  try {
    if (!msg.embed.chain?.length && !msg.embed.errbacks?.length) return;
    const plan = planFailureFollowUps(msg, deps.context());
    for (const step of plan.chainFailures) {
      await deps.writer.markOtherFailed(rctx, step.taskId, step.groupId, info, traceback);
    }
    for (const planned of plan.errbacks) await deps.publish(planned);
  } catch (thrown) {
    log.error({ err: coerceError(thrown) }, 'cannot run failure follow-ups (chain steps, errbacks)');
  }
}
