import type { Logger } from 'pino';
import { coerceError } from '../errors/coerce-error';
import type { ExceptionInfo } from '../protocol/result-meta';
import type { TaskMessage } from '../protocol/task-message';
import type { Delivery, Transport } from '../transport/transport';
import type { ResultWriter } from './result-writer';
import { isStored } from './store-outcome';

/** A message we will not run, and why. */
export interface PoisonReport {
  /** Stable reason code, e.g. `CELERIAC_PROTOCOL_BAD_BODY` or `CELERIAC_TASK_NOT_REGISTERED`. */
  code: string;
  /** One-line human reason. */
  reason: string;
  /** Task id, when it could be read. */
  taskId?: string;
  /** Task name, when it could be read. */
  taskName?: string;
  /** Python exception to store as the task's FAILURE when the id is known. */
  exception: ExceptionInfo;
  /** The decoded message, when decoding worked (e.g. an unregistered task). */
  message?: TaskMessage;
  /** The transport already moved the message, whole, to this poison queue: no copy to make. */
  keptIn?: string;
}

/**
 * Takes a message we will not run out of the queue without losing it: logs it once, stores a
 * FAILURE when the task id is known (so a caller's `.get()` raises instead of hanging), copies the
 * untouched message to the poison queue, then rejects it. If the FAILURE or the copy cannot be
 * written the message goes back to its queue after a pause (GIVE_BACK_AFTER_MS) rather than vanish.
 */
export async function handlePoison(
  delivery: Delivery, report: PoisonReport,
  deps: { transport: Transport; writer: ResultWriter; poisonQueue: string; hostname: string; log: Logger; giveBackAfterMs?: number },
): Promise<void> {
  const { log } = deps;
  log.warn({ deliveryTag: delivery.deliveryTag, queue: delivery.queue, taskId: report.taskId, taskName: report.taskName, code: report.code, reason: report.reason,
    poisonQueue: report.keptIn ?? (deps.poisonQueue || undefined) }, 'message refused');
  if (report.taskId) {
    const outcome = await deps.writer.markFailedWith({ message: report.message ?? stubMessage(report), hostname: deps.hostname, queue: delivery.queue },
      report.exception, null);
    if (!isStored(outcome)) {
      // Never drop a message whose outcome could not be recorded: give it back to its queue after a
      // pause (not at once: the backend is likely down), to be refused again and its FAILURE retried.
      // One the transport already moved to the poison queue stays there.
      log.error({ deliveryTag: delivery.deliveryTag, taskId: report.taskId }, 'cannot store the FAILURE of a refused message; giving it back later');
      giveBackLater(delivery, deps.giveBackAfterMs ?? GIVE_BACK_AFTER_MS, log);
      return;
    }
  }
  if (deps.poisonQueue && !report.keptIn) {
    try {
      const { message } = delivery;
      await deps.transport.publish(
        { ...message, headers: { ...message.headers, 'x-celeriac-poison-reason': report.reason, 'x-celeriac-poison-code': report.code, 'x-celeriac-poison-queue': delivery.queue } },
        { exchange: '', routingKey: deps.poisonQueue },
      );
    } catch (thrown) {
      log.error({ err: coerceError(thrown), deliveryTag: delivery.deliveryTag }, 'cannot copy refused message to the poison queue; giving it back later');
      giveBackLater(delivery, deps.giveBackAfterMs ?? GIVE_BACK_AFTER_MS, log);
      return;
    }
  }
  try {
    await delivery.reject(false);
  } catch (thrown) {
    log.error({ err: coerceError(thrown), deliveryTag: delivery.deliveryTag }, 'cannot reject refused message');
  }
}

/** Pause before a refused message that could not be accounted for goes back to its queue. */
const GIVE_BACK_AFTER_MS = 5000;

/** Returns the delivery to its queue after `ms` (a close before then gives it back too). */
function giveBackLater(delivery: Delivery, ms: number, log: Logger): void {
  setTimeout(() => {
    delivery.reject(true).catch((thrown: unknown) => {
      log.error({ err: coerceError(thrown), deliveryTag: delivery.deliveryTag }, 'cannot give back a refused message; it stays unacked');
    });
  }, ms).unref();
}

/** The minimum TaskMessage a result write needs when the body could not be decoded. */
function stubMessage(report: PoisonReport): TaskMessage {
  return {
    protocol: 2, id: report.taskId ?? '', task: report.taskName ?? '', args: [], kwargs: {}, shadow: null, eta: null, expires: null,
    group: null, groupIndex: null, retries: 0, timeLimitSec: { hard: null, soft: null }, rootId: null, parentId: null, argsRepr: null,
    kwargsRepr: null, origin: null, ignoreResult: false, replacedTaskNesting: 0, stampedHeaders: null, stamps: {}, customHeaders: {},
    embed: { callbacks: null, errbacks: null, chain: null, chord: null }, correlationId: null, replyTo: null, priority: null,
    properties: {},
  };
}
