import { ProtocolError } from '../../errors/celeriac-error';
import type { KombuMessage } from '../kombu-message';
import { isRecord } from '../read-wire-field';

/** The `celery.pidbox` fanout exchange requests arrive on (`<control_exchange>.pidbox`). */
export const PIDBOX_EXCHANGE = 'celery.pidbox';

/** Where a reply goes (`reply_to` of a request). */
export interface ReplyTo {
  /** Reply exchange, normally `reply.celery.pidbox`. */
  exchange: string;
  /** The client's oid: the routing key its reply queue is bound with. */
  routingKey: string;
}

/** A remote control request (kombu `Mailbox._publish`), camelCase. */
export interface ControlRequest {
  /** Command name, e.g. `ping`, `stats`, `revoke`. */
  method: string;
  /** Keyword arguments of the command. */
  arguments: Record<string, unknown>;
  /** Node names the request is for; null/empty = everybody (subject to `pattern`). */
  destination: string[] | null;
  /** Node-name pattern, used with `matcher`. */
  pattern: string | null;
  /** `glob` (fnmatch) or `pcre` (Python `re.match`). */
  matcher: string | null;
  /** Reply correlation id; null for casts (no reply wanted). */
  ticket: string | null;
  /** Where to reply; null for casts. */
  replyTo: ReplyTo | null;
  /** Sender's Lamport clock (`headers.clock`), 0 when absent. */
  clock: number;
  /** Client deadline, epoch seconds (`headers.expires`), null when absent or 0. */
  expiresSec: number | null;
}

/** Decodes a pidbox request message; throws ProtocolError (`CELERIAC_PROTOCOL_BAD_CONTROL`) when malformed. */
export function decodeControlRequest(message: KombuMessage): ControlRequest {
  if (!/^application\/json\b/.test(message.contentType)) {
    throw bad(`control request content type ${JSON.stringify(message.contentType)} is not accepted (json only)`);
  }
  let body: unknown;
  try {
    body = JSON.parse(message.body.toString('utf-8'));
  } catch (cause) {
    throw bad('control request body is not valid JSON', cause);
  }
  if (!isRecord(body) || typeof body.method !== 'string' || body.method === '') {
    throw bad('control request has no method');
  }
  const args = body.arguments ?? {};
  if (!isRecord(args)) throw bad('control request arguments must be an object');
  return {
    method: body.method,
    arguments: args,
    destination: decodeDestination(body.destination),
    pattern: typeof body.pattern === 'string' && body.pattern !== '' ? body.pattern : null,
    matcher: typeof body.matcher === 'string' && body.matcher !== '' ? body.matcher : null,
    ticket: typeof body.ticket === 'string' ? body.ticket : null,
    replyTo: decodeReplyTo(body.reply_to),
    clock: typeof message.headers.clock === 'number' ? message.headers.clock : 0,
    expiresSec: typeof message.headers.expires === 'number' && message.headers.expires > 0 ? message.headers.expires : null,
  };
}

function decodeDestination(value: unknown): string[] | null {
  if (value == null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw bad('control request destination must be a list of node names');
  }
  return value.length === 0 ? null : (value as string[]);
}

function decodeReplyTo(value: unknown): ReplyTo | null {
  if (value == null) return null;
  if (!isRecord(value) || typeof value.exchange !== 'string' || typeof value.routing_key !== 'string') {
    throw bad('control request reply_to must be {exchange, routing_key}');
  }
  return { exchange: value.exchange, routingKey: value.routing_key };
}

function bad(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError('CELERIAC_PROTOCOL_BAD_CONTROL', message, { cause });
}
