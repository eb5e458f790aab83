import type { Logger } from 'pino';
import { excRepr } from '../canvas/task-signals';
import { coerceError } from '../errors/coerce-error';
import type { KombuMessage, Route } from '../protocol/kombu-message';
import type { Delivery } from '../transport/transport';

/** Why the task failed for good (`x-celeriac-dlq-reason`). */
export type DeadLetterReason = 'retries-exhausted' | 'failed';

/** Headers a dead-lettered message carries on top of its original ones. */
export const DLQ_HEADER = {
  /** `retries-exhausted` or `failed`. */
  reason: 'x-celeriac-dlq-reason',
  /** Python repr of the final exception, e.g. `KeyError('x')`. */
  exception: 'x-celeriac-dlq-exception',
  /** Queue the message was consumed from (where `requeue` sends it back). */
  queue: 'x-celeriac-dlq-queue',
  /** ISO 8601 UTC instant of the final failure. */
  failedAt: 'x-celeriac-dlq-failed-at',
} as const;

/** Header the poison queue uses for the original queue (see handle-poison.ts). */
const POISON_QUEUE_HEADER = 'x-celeriac-poison-queue';
/** Header families a requeue removes: the dead-letter and poison annotations. */
const ANNOTATION = /^x-celeriac-(dlq|poison)-/;

/** What to record about a final failure. */
export interface DeadLetterInfo {
  reason: DeadLetterReason;
  error: Error;
  /** Queue the message came from. */
  queue: string;
  failedAt: Date;
}

/** The original message (same body, headers, properties) plus the four `x-celeriac-dlq-*` headers. Pure. */
export function buildDeadLetterMessage(message: KombuMessage, info: DeadLetterInfo): KombuMessage {
  return {
    ...message,
    headers: {
      ...message.headers,
      [DLQ_HEADER.reason]: info.reason,
      [DLQ_HEADER.exception]: excRepr(info.error),
      [DLQ_HEADER.queue]: info.queue,
      [DLQ_HEADER.failedAt]: info.failedAt.toISOString(),
    },
  };
}

/**
 * Copies the delivery's original message to the dead-letter queue (exchange `''`, routing key = the
 * queue), in addition to the FAILURE the caller stores. Returns false (and logs) when the copy could
 * not be published; it never throws, so the message is still settled as the task's acks policy says.
 */
export async function sendToDeadLetter(
  delivery: Delivery, info: Omit<DeadLetterInfo, 'queue'>,
  deps: { deadLetterQueue: string; publish: (message: KombuMessage, route: Route) => Promise<void>; log: Logger },
): Promise<boolean> {
  const message = buildDeadLetterMessage(delivery.message, { ...info, queue: delivery.queue });
  try {
    await deps.publish(message, { exchange: '', routingKey: deps.deadLetterQueue });
    deps.log.warn({ deadLetterQueue: deps.deadLetterQueue, reason: info.reason }, 'task failed for good; message copied to the dead-letter queue');
    return true;
  } catch (thrown) {
    deps.log.error({ err: coerceError(thrown), deadLetterQueue: deps.deadLetterQueue }, 'cannot copy failed message to the dead-letter queue');
    return false;
  }
}

/** One dead-lettered (or poison) message, as `celeriac dlq list` shows it. */
export interface DeadLetterEntry {
  /** Task id (`headers.id`), or null when absent. */
  id: string | null;
  /** Task name (`headers.task`), or null. */
  task: string | null;
  /** Queue it came from, or null when unknown. */
  originalQueue: string | null;
  /** Dead-letter reason, or the poison code/reason for poison messages. */
  reason: string | null;
  /** Final exception repr, when recorded. */
  exception: string | null;
  /** When it failed (ISO), when recorded. */
  failedAt: string | null;
}

/** Reads the annotations of a dead-letter or poison message. Pure. */
export function describeDeadLetter(message: KombuMessage): DeadLetterEntry {
  const h = message.headers;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    id: str(h.id),
    task: str(h.task),
    originalQueue: str(h[DLQ_HEADER.queue]) ?? str(h[POISON_QUEUE_HEADER]),
    reason: str(h[DLQ_HEADER.reason]) ?? str(h['x-celeriac-poison-code']),
    exception: str(h[DLQ_HEADER.exception]) ?? str(h['x-celeriac-poison-reason']),
    failedAt: str(h[DLQ_HEADER.failedAt]),
  };
}

/**
 * The message to put back on its original queue: annotations removed, `retries` reset to 0 (protocol
 * 2 keeps it in the headers), `redelivered` cleared. Null when the original queue is unknown. Pure.
 */
export function buildRequeuedMessage(message: KombuMessage): { message: KombuMessage; route: Route } | null {
  const { originalQueue } = describeDeadLetter(message);
  if (!originalQueue) return null;
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(message.headers)) if (!ANNOTATION.test(k) && k !== 'redelivered') headers[k] = v;
  if ('retries' in headers) headers.retries = 0;
  const properties = { ...message.properties };
  delete properties.delivery_info;
  return { message: { ...message, headers, properties }, route: { exchange: '', routingKey: originalQueue } };
}
