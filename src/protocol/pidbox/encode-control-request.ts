import type { KombuMessage } from '../kombu-message';
import { encodePythonJsonWithFloats } from '../events/python-float';
import type { ReplyTo } from './decode-control-request';

/** The reply exchange a client's reply queue is bound to (`reply.<control_exchange>.pidbox`). */
export const PIDBOX_REPLY_EXCHANGE = 'reply.celery.pidbox';

/** What a client broadcasts (kombu `Mailbox._publish`), camelCase. */
export interface ControlRequestSpec {
  method: string;
  arguments: Record<string, unknown>;
  /** Node names, or null for everybody. */
  destination: string[] | null;
  pattern?: string | null;
  matcher?: string | null;
  /** With `replyTo`: a call that wants replies; without: a cast. */
  ticket?: string | null;
  replyTo?: ReplyTo | null;
}

/**
 * A pidbox request as kombu's `Mailbox._publish` sends it: body keys `method, arguments,
 * destination, pattern, matcher[, ticket, reply_to]`, headers `{clock, expires}` (expires = epoch
 * seconds deadline, 0 for none), `delivery_mode` 2 as captured.
 */
export function encodeControlRequest(spec: ControlRequestSpec, clock: number, expiresSec: number): KombuMessage {
  const body: Record<string, unknown> = {
    method: spec.method,
    arguments: spec.arguments,
    destination: spec.destination,
    pattern: spec.pattern ?? null,
    matcher: spec.matcher ?? null,
  };
  if (spec.ticket && spec.replyTo) {
    body.ticket = spec.ticket;
    body.reply_to = { exchange: spec.replyTo.exchange, routing_key: spec.replyTo.routingKey };
  }
  return {
    body: Buffer.from(encodePythonJsonWithFloats(body), 'utf-8'),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    // headers go through the envelope encoder as plain JSON: a deadline with a fraction is a float anyway
    headers: { clock, expires: expiresSec > 0 ? expiresSec : 0 },
    properties: { delivery_mode: 2 },
  };
}
