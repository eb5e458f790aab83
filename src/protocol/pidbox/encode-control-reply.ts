import type { KombuMessage, Route } from '../kombu-message';
import { encodePythonJsonWithFloats } from '../events/python-float';
import type { ReplyTo } from './decode-control-request';

/** A reply to a pidbox request, ready for `Transport.publish(message, route)`. */
export interface EncodedControlReply {
  /** The message: body `{<hostname>: <value>}`, headers `{ticket, clock}`, transient. */
  message: KombuMessage;
  /** Reply exchange + the client's routing key (resolved through the exchange's bindings). */
  route: Route;
}

/**
 * Encodes a reply as kombu's `Mailbox._publish_reply`: body `{hostname: value}` (value may be null),
 * headers `{"ticket": ..., "clock": ...}`, `delivery_mode` 1. PythonFloat values keep their `.0`.
 */
export function encodeControlReply(
  hostname: string, value: unknown, replyTo: ReplyTo, ticket: string | null, clock: number,
): EncodedControlReply {
  return {
    message: {
      body: Buffer.from(encodePythonJsonWithFloats({ [hostname]: value === undefined ? null : value }), 'utf-8'),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: { ticket, clock },
      properties: { delivery_mode: 1 },
    },
    route: { exchange: replyTo.exchange, routingKey: replyTo.routingKey },
  };
}

/** `{"ok": value}` (Celery's `ok()`). */
export function buildOk(value: unknown): { ok: unknown } {
  return { ok: value };
}

/** `{"error": value}` (Celery's `nok()`). */
export function buildError(value: unknown): { error: unknown } {
  return { error: value };
}
