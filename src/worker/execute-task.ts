import type { Logger } from 'pino';
import { bindArguments } from '../app/bind-arguments';
import type { TaskDefinition } from '../app/task-definition';
import { currentRequest, recordSentResults } from '../app/request-context';
import { Ignore, Reject, Replaced, Retry } from '../canvas/task-signals';
import { coerceError } from '../errors/coerce-error';
import { encodeException, formatTraceback } from '../protocol/encode-exception';
import { buildTaskContext } from './build-task-context';
import type { TrackedRequest } from './request-tracker';
import type { ResultContext, StoreOutcome } from './result-writer';
import { giveBack, rejectQuietly, settle } from './settle-delivery';
import { isStored } from './store-outcome';
import { publishReplacement, publishSuccessFollowUps, reportChordPart, runFailureFollowUps } from './run-follow-ups';
import { runWithTimeLimits } from './run-with-time-limits';
import type { ExceptionInfo } from '../protocol/result-meta';
import { applyAutoretry, CELERY_RETRY_DEFAULTS, isRetriesExhausted, resolveRetryLimits } from './autoretry';
import { sendToDeadLetter } from './dead-letter';
import { RETURNED, TERMINATED } from './abort-reasons';
import type { ExecutionDeps } from './execution-deps';

export type { ExecutionDeps, ExecutionPolicy } from './execution-deps';

/** How one run ended, for counters and logs. */
export type ExecutionOutcome = 'succeeded' | 'failed' | 'revoked' | 'retried' | 'rejected' | 'ignored';

/** True when the run's outcome must be discarded: terminated by revoke, or its message given back at shutdown. */
function isDiscarded(req: TrackedRequest): boolean {
  const { abort } = req;
  return abort.aborted && (abort.reason === TERMINATED || abort.reason === RETURNED);
}

/**
 * Runs one accepted task in Celery's order: revoked/expired check, early ack (unless acks_late),
 * STARTED, bind arguments, run, publish follow-ups, store SUCCESS/FAILURE/RETRY, late ack. Never
 * throws: every failure becomes a stored FAILURE (an unencodable result: EncodeError), and the
 * message is always settled: acked, or given back when its outcome could not be stored (acks_late).
 */
export async function executeTask(def: TaskDefinition, req: TrackedRequest, deps: ExecutionDeps, log: Logger): Promise<ExecutionOutcome> {
  const { msg, delivery } = req;
  const { policy, writer, events } = deps;
  const rctx: ResultContext = { message: msg, hostname: policy.hostname, queue: delivery.route.routingKey || delivery.queue };
  const acksLate = def.options.acksLate ?? policy.acksLate;
  const storeResult = !(msg.ignoreResult || (def.options.ignoreResult ?? policy.ignoreResult));
  const expired = msg.expires !== null && msg.expires.getTime() < policy.now();
  if (expired || deps.isRevoked(msg)) {
    log.info({ expired }, expired ? 'task expired; not run' : 'task revoked; not run');
    // Not acked yet in either mode: without a stored REVOKED the message goes back rather than vanish.
    if (!isStored(await writer.markRevoked(rctx, expired ? 'expired' : 'revoked'))) {
      await giveBack(req, log);
      return 'rejected';
    }
    events.taskEvent('task-revoked', { uuid: msg.id, terminated: false, expired, signum: null });
    await reportChordPart(msg, revokedOutcome(expired ? 'expired' : 'revoked'), deps, rctx, log);
    await settle(req, log);
    return 'revoked';
  }
  if (!acksLate) await settle(req, log);
  req.startedAtMs = policy.now();
  events.taskEvent('task-started', { uuid: msg.id });
  if (def.options.trackStarted ?? policy.trackStarted) await writer.markStarted(rctx);
  // What the handler sends (delay, applyAsync, a canvas) is recorded in its request scope, as request.children.
  const scope = currentRequest();
  const sent = scope ? recordSentResults(scope) : [];
  const started = performance.now();
  const runtimeSec = (): number => (performance.now() - started) / 1000;
  let outcome: RunEnd;
  try {
    const args = bindArguments(def, msg.args, msg.kwargs);
    const limits = resolveRetryLimits(def, policy.retryDefaults ?? CELERY_RETRY_DEFAULTS);
    const ctx = def.options.bind ? buildTaskContext(req, deps, rctx, log, limits) : null;
    const call = ctx ? [ctx, ...args] : args;
    const threads = deps.threads;
    // CPU-heavy tasks run on the thread pool (src/worker/pool); the rest on this event loop.
    const run = threads?.handles(def) ? () => threads.run({ def, args, req, ctx, acksLate }) : () => def.handler(...call);
    let value: unknown;
    try {
      value = await runWithTimeLimits(run, deps.timeLimitsFor(msg), req.abort, deps.clock);
    } finally {
      deps.handlerEnded?.(req);
    }
    if (isDiscarded(req)) {
      log.info({ reason: req.abort.reason as unknown }, 'task finished after it was terminated or returned; result discarded');
      outcome = req.abort.reason === RETURNED ? 'rejected' : 'revoked';
    } else {
      // Python's request.children: what the handler sent, then the follow-ups applied now
      // (no callbacks or chain, as for most tasks: no follow-up step to await)
      const children = msg.embed.callbacks?.length || msg.embed.chain?.length ? [...sent, ...await publishSuccessFollowUps(msg, value, deps)] : [...sent];
      const stored = storeResult ? await writer.markSucceeded(rctx, value, children) : NOTHING_TO_STORE;
      if (stored.kind === 'replaced') outcome = await failWithEncodeError(stored.exception, req, deps, rctx, runtimeSec(), log);
      else if (!isStored(stored) && acksLate) outcome = GIVE_BACK;
      else {
        const succeeded = succeed(value, stored, req, deps, rctx, runtimeSec(), log);
        outcome = typeof succeeded === 'string' ? succeeded : await succeeded;
      }
    }
  } catch (thrown) {
    outcome = await handleThrown(thrown, def, req, deps, { rctx, storeResult, acksLate, sent }, runtimeSec(), log);
  }
  if (outcome === GIVE_BACK) {
    // Before the message goes back (and may run again here): this run's postrun comes first.
    deps.signals?.postrun(req, 'REJECTED', null);
    await giveBack(req, log);
    return 'rejected';
  }
  // Reject settles the message itself; everything else is acked late here (acks_on_failure_or_timeout).
  if (acksLate && outcome !== 'rejected') await settle(req, log);
  return outcome;
}

/**
 * Marks an acks-late run whose outcome could not be stored: its message is given back instead of
 * acked. An early-acked message (acks_late off) was acked before the task ran, as Celery does: its
 * outcome is then lost and the task stays PENDING, which is what acks_late exists to prevent.
 */
const GIVE_BACK = 'give-back' as const;
type RunEnd = ExecutionOutcome | typeof GIVE_BACK;
const NOTHING_TO_STORE: StoreOutcome = { kind: 'disabled' };

/** A promise only when a chord part is reported (no async frame for the common success: it runs once per task). */
function succeed(value: unknown, stored: StoreOutcome, req: TrackedRequest, deps: ExecutionDeps, rctx: ResultContext,
  runtimeSec: number, log: Logger): 'succeeded' | Promise<'succeeded'> {
  log.info({ runtimeMs: Math.round(runtimeSec * 1e6) / 1e3 }, 'task succeeded');
  if (!isStored(stored)) log.error('task result could not be stored and its message was acked before the task ran (task_acks_late off): the task stays PENDING');
  deps.events.taskEvent('task-succeeded', { uuid: req.msg.id, result: value, runtimeSec });
  if (req.msg.embed.chord && req.msg.group) return reportChordPart(req.msg, { state: 'SUCCESS', result: value }, deps, rctx, log).then(() => 'succeeded');
  return 'succeeded';
}

/**
 * The return value could not be stored (too deep, above result_max_bytes, not serializable, refused
 * by the server): FAILURE EncodeError is stored, and from here the run is a failure, as Python's
 * trace.py turns the serializer's EncodeError into one (task-failed, chord part and errbacks get it).
 */
async function failWithEncodeError(info: ExceptionInfo, req: TrackedRequest, deps: ExecutionDeps, rctx: ResultContext,
  runtimeSec: number, log: Logger): Promise<ExecutionOutcome> {
  const error = new Error(String(info.excMessage[0]));
  error.name = info.excType;
  log.error({ err: error }, 'task failed: its result cannot be stored');
  deps.events.taskEvent('task-failed', { uuid: req.msg.id, error, runtimeSec });
  await reportChordPart(req.msg, { state: 'FAILURE', exception: info }, deps, rctx, log);
  await runFailureFollowUps(req.msg, info, formatTraceback(error), deps, rctx, log);
  return 'failed';
}

async function handleThrown(thrown: unknown, def: TaskDefinition, req: TrackedRequest, deps: ExecutionDeps,
  run: { rctx: ResultContext; storeResult: boolean; acksLate: boolean; sent: unknown[] }, runtimeSec: number, log: Logger): Promise<RunEnd> {
  const { msg } = req;
  const { rctx, storeResult } = run;
  if (isDiscarded(req)) return req.abort.reason === RETURNED ? 'rejected' : 'revoked';
  const ctx = deps.context();
  const decision = applyAutoretry(def, deps.policy.retryDefaults ?? CELERY_RETRY_DEFAULTS, thrown, msg,
    { deliveredVia: req.delivery.route, hostname: ctx.hostname, replyTo: ctx.replyTo, now: new Date(deps.policy.now()) });
  let err = coerceError(decision.kind === 'retry' ? decision.retry : decision.kind === 'exhausted' ? decision.error : thrown);
  // task.replace(): the replacement is sent, then the run ends as Ignore; if it cannot be sent the task fails with why.
  if (err instanceof Replaced) err = (await publishReplacement(err.effects, deps)) ?? err;
  if (err instanceof Retry) {
    try {
      await deps.publish({ message: err.retryMessage, route: err.route, taskId: msg.id });
    } catch (publishErr) {
      // Python rejects the message when the retry cannot be published; we keep it instead (nothing lost).
      log.error({ err: coerceError(publishErr) }, 'cannot publish retry; message returned to its queue');
      deps.signals?.postrun(req, 'REJECTED', null);
      await rejectQuietly(req, true, log);
      return 'rejected';
    }
    log.info({ when: err.when instanceof Date ? err.when.toISOString() : err.when }, 'task retry scheduled');
    // Python stores `Retry.exc` as the RETRY result: None when retry() was called without exc.
    const info = err.exc ? encodeException(err.exc) : null;
    // The retry message is out: even when RETRY cannot be stored the original is acked (giving it back
    // would run the task twice), and the retry's own outcome is stored when it runs.
    if (storeResult) await deps.writer.markRetry(rctx, info, formatTraceback(err.exc ?? err), run.sent);
    deps.events.taskEvent('task-retried', { uuid: msg.id, error: err });
    return 'retried';
  }
  if (err instanceof Reject) {
    log.info({ requeue: err.requeue, reason: err.reason }, 'task rejected');
    deps.events.taskEvent('task-rejected', { uuid: msg.id, error: err, requeue: err.requeue });
    await rejectQuietly(req, err.requeue, log);
    return 'rejected';
  }
  if (err instanceof Ignore) {
    log.info(err instanceof Replaced ? 'task replaced' : 'task ignored');
    // No task event for Ignore (as Celery), but the run ended: task_postrun IGNORED, retval the Ignore.
    deps.signals?.postrun(req, 'IGNORED', err);
    return 'ignored';
  }
  log.error({ err, runtimeMs: Math.round(runtimeSec * 1e6) / 1e3 }, 'task failed');
  // With ignore_result Python stores nothing on failure either (store_errors_even_if_ignored is off).
  const stored = storeResult ? await deps.writer.markFailed(rctx, err, run.sent) : NOTHING_TO_STORE;
  if (!isStored(stored) && run.acksLate) return GIVE_BACK;
  if (!isStored(stored)) log.error('task failure could not be stored and its message was acked before the task ran (task_acks_late off): the task stays PENDING');
  // An exception that cannot be stored as it is was replaced by EncodeError: the follow-ups get what is stored.
  const info = stored.kind === 'replaced' ? stored.exception : encodeException(err);
  const traceback = formatTraceback(err);
  deps.events.taskEvent('task-failed', { uuid: msg.id, error: err, runtimeSec });
  await reportChordPart(msg, { state: 'FAILURE', exception: info }, deps, rctx, log);
  await runFailureFollowUps(msg, info, traceback, deps, rctx, log);
  const deadLetterQueue = def.options.deadLetterQueue ?? deps.policy.deadLetterQueue ?? '';
  if (deadLetterQueue) {
    const exhausted = decision.kind === 'exhausted' || isRetriesExhausted(err);
    await sendToDeadLetter(req.delivery, { reason: exhausted ? 'retries-exhausted' : 'failed', error: err, failedAt: new Date(deps.policy.now()) },
      { deadLetterQueue, publish: (message, route) => deps.publish({ message, route, taskId: msg.id }), log });
  }
  return 'failed';
}

function revokedOutcome(reason: string): { state: 'REVOKED'; exception: { excType: string; excMessage: unknown[]; excModule: string } } {
  return { state: 'REVOKED', exception: { excType: 'TaskRevokedError', excMessage: [reason], excModule: 'celery.exceptions' } };
}
