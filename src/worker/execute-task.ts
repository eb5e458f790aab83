import type { Logger } from 'pino';
import { bindArguments } from '../app/bind-arguments';
import type { TaskContext, TaskRequest } from '../app/task-context';
import type { TaskDefinition } from '../app/task-definition';
import { coerceError } from '../errors/coerce-error';
import type { TaskMessage } from '../protocol/task-message';
import type { Delivery } from '../transport/transport';
import type { ResultContext, ResultWriter } from './result-writer';

/** Worker-wide policy the execution follows. */
export interface ExecutionPolicy {
  hostname: string;
  acksLate: boolean;
  trackStarted: boolean;
  ignoreResult: boolean;
  now: () => number;
}

/** How one run ended, for counters and logs. */
export type ExecutionOutcome = 'succeeded' | 'failed' | 'revoked';

/**
 * Runs one accepted task in Celery's order: expiry check, early ack (unless acks_late), STARTED,
 * bind arguments, run, store SUCCESS/FAILURE, late ack. Never throws: every failure becomes a
 * stored FAILURE, and the message is always settled.
 */
export async function executeTask(
  def: TaskDefinition, msg: TaskMessage, delivery: Delivery, writer: ResultWriter, policy: ExecutionPolicy,
  log: Logger, abort: AbortController,
): Promise<ExecutionOutcome> {
  const ctx: ResultContext = { message: msg, hostname: policy.hostname, queue: delivery.route.routingKey || delivery.queue };
  const acksLate = def.options.acksLate ?? policy.acksLate;
  const storeResult = !(msg.ignoreResult || (def.options.ignoreResult ?? policy.ignoreResult));
  if (msg.expires && msg.expires.getTime() < policy.now()) {
    log.info({ expires: msg.expires.toISOString() }, 'task expired; not run');
    await writer.markRevoked(ctx, 'expired');
    await settle(delivery, log);
    return 'revoked';
  }
  if (!acksLate) await settle(delivery, log);
  if (def.options.trackStarted ?? policy.trackStarted) await writer.markStarted(ctx);
  const started = performance.now();
  let outcome: ExecutionOutcome;
  try {
    const args = bindArguments(def, msg.args, msg.kwargs);
    const call = def.options.bind ? [buildContext(msg, delivery, policy, writer, ctx, log, abort.signal), ...args] : args;
    const value: unknown = await def.handler(...call);
    const runtimeMs = performance.now() - started;
    log.info({ runtimeMs: round(runtimeMs) }, 'task succeeded');
    if (storeResult) await writer.markSucceeded(ctx, value);
    outcome = 'succeeded';
  } catch (thrown) {
    const err = coerceError(thrown);
    log.error({ err, runtimeMs: round(performance.now() - started) }, 'task failed');
    // Python stores failures even with ignore_result unless store_errors_even_if_ignored is off; it is
    // off by default, so an ignored task stores nothing on failure either.
    if (storeResult) await writer.markFailed(ctx, err);
    outcome = 'failed';
  }
  if (acksLate) await settle(delivery, log);
  return outcome;
}

async function settle(delivery: Delivery, log: Logger): Promise<void> {
  try {
    await delivery.ack();
  } catch (thrown) {
    // The message stays in `unacked`; the visibility sweep will redeliver it. Nothing is lost.
    log.error({ err: coerceError(thrown) }, 'cannot ack message; it will be redelivered after the visibility timeout');
  }
}

function buildContext(msg: TaskMessage, delivery: Delivery, policy: ExecutionPolicy, writer: ResultWriter,
  ctx: ResultContext, log: Logger, signal: AbortSignal): TaskContext {
  const request: TaskRequest = {
    id: msg.id, task: msg.task, args: msg.args, kwargs: msg.kwargs, retries: msg.retries, rootId: msg.rootId,
    parentId: msg.parentId, group: msg.group, groupIndex: msg.groupIndex, eta: msg.eta, expires: msg.expires,
    headers: msg.customHeaders,
    deliveryInfo: { exchange: delivery.route.exchange, routingKey: delivery.route.routingKey, priority: msg.priority, redelivered: delivery.redelivered },
    hostname: policy.hostname, origin: msg.origin, replyTo: msg.replyTo, correlationId: msg.correlationId,
  };
  return {
    request,
    signal,
    log,
    updateState: async (state, meta) => {
      await writer.markState(ctx, state, meta ?? null);
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
