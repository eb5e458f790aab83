import { coerceError } from '../../errors/coerce-error';
import type { KombuMessage, Route } from '../../protocol/kombu-message';
import { decodeRedisEnvelope } from '../../protocol/redis-envelope';
import type { DeliveryRefusal } from '../transport';
import type { PoppedElement } from './pop-and-record';
import { RedisDelivery, type Settlement } from './redis-delivery';

/** How a delivery settles in Redis (the transport's one settle function). */
export type SettleDelivery = (delivery: RedisDelivery, how: Settlement) => Promise<void>;

/**
 * The delivery of one element the pop script returned. Pure: nothing is read from or written to Redis.
 * - Refused by the script: the script already moved it, whole, to `poisonQueue` (or dropped it when
 *   that is ''), so the delivery carries the refusal and `keptIn`, for the worker to report.
 * - Recorded but undecodable here: a refusal without `keptIn` (the worker copies it to the poison
 *   queue, then drops it).
 * - Otherwise the decoded message, its route from `properties.delivery_info` (routing key defaults to
 *   the queue) and its redelivered flag.
 */
export function deliveryOfElement(element: PoppedElement, poisonQueue: string, settle: SettleDelivery): RedisDelivery {
  const { queue, raw, tag } = element;
  if (element.refusal !== null) {
    return refusedDelivery(element, settle, { code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', reason: element.refusal, ...readIds(raw),
      ...(poisonQueue ? { keptIn: poisonQueue } : {}) });
  }
  try {
    const { message } = decodeRedisEnvelope(raw);
    const info = (message.properties.delivery_info ?? {}) as Record<string, unknown>;
    const route: Route = {
      exchange: typeof info.exchange === 'string' ? info.exchange : '',
      routingKey: typeof info.routing_key === 'string' ? info.routing_key : queue,
    };
    const redelivered = message.headers.redelivered === true || info.redelivered === true;
    return new RedisDelivery(message, tag, queue, route, redelivered, settle);
  } catch (err) {
    return refusedDelivery(element, settle, { code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', reason: coerceError(err).message, ...readIds(raw) });
  }
}

/** A delivery whose message is the raw element (as its body), for the worker to refuse. */
function refusedDelivery(element: PoppedElement, settle: SettleDelivery, refusal: DeliveryRefusal): RedisDelivery {
  const message: KombuMessage = {
    body: Buffer.from(element.raw, 'utf8'), contentType: 'application/x-celeriac-undecodable', contentEncoding: 'utf-8',
    headers: { ...(refusal.taskId ? { id: refusal.taskId } : {}), ...(refusal.taskName ? { task: refusal.taskName } : {}) },
    properties: { delivery_tag: element.tag },
  };
  return new RedisDelivery(message, element.tag, element.queue, { exchange: '', routingKey: element.queue }, false, settle, refusal);
}

/** Task id and name read from a damaged element's text (kombu puts `id` and `task` in the headers). */
function readIds(raw: string): { taskId?: string; taskName?: string } {
  // Celery sets properties.correlation_id to the task id too: the fallback when headers are unreadable.
  const id = /"id"\s*:\s*"([^"\\]{1,200})"/.exec(raw)?.[1] ?? /"correlation_id"\s*:\s*"([^"\\]{1,200})"/.exec(raw)?.[1];
  const task = /"task"\s*:\s*"([^"\\]{1,300})"/.exec(raw)?.[1];
  return { ...(id ? { taskId: id } : {}), ...(task ? { taskName: task } : {}) };
}
