import { randomUUID } from 'node:crypto';
import { PIDBOX_EXCHANGE } from '../../protocol/pidbox/decode-control-request';
import { PIDBOX_REPLY_EXCHANGE, encodeControlRequest } from '../../protocol/pidbox/encode-control-request';
import type { Consumer, Delivery, Transport } from '../../transport/transport';
import { LamportClock } from '../events/lamport-clock';

/** Construction options of a ControlClient. */
export interface ControlClientOptions {
  /** Declares/consumes the reply queue and broadcasts on `celery.pidbox`. */
  transport: Pick<Transport, 'declareQueue' | 'consume' | 'publishFanout'>;
  /** Client identity (kombu's `oid`): names the reply queue `<oid>.reply.celery.pidbox`. Default a random uuid. */
  oid?: string;
  clock?: LamportClock;
}

/** Options of one call. */
export interface ControlCallOptions {
  /** Command arguments. */
  arguments?: Record<string, unknown>;
  /** Only these nodes answer. */
  destination?: string[] | null;
  /** Node-name pattern with `matcher` (`glob`/`pcre`). */
  pattern?: string | null;
  matcher?: string | null;
  /** How long to wait for replies. Default 1000 ms (Celery's default). */
  timeoutMs?: number;
  /** Stop once this many replies arrived; defaults to the destination's length. */
  limit?: number;
}

/**
 * The client side of remote control (what `celery inspect` / `celery status` do, without Python):
 * broadcast a request with a ticket, collect `{node: reply}` bodies from our reply queue until the
 * timeout or limit.
 */
export class ControlClient {
  private readonly opts: ControlClientOptions;
  private readonly oid: string;
  private readonly clock: LamportClock;
  private declared: Promise<void> | null = null;

  constructor(options: ControlClientOptions) {
    this.opts = options;
    this.oid = options.oid ?? randomUUID();
    this.clock = options.clock ?? new LamportClock();
  }

  /** The reply queue name. */
  get replyQueue(): string {
    return `${this.oid}.${PIDBOX_REPLY_EXCHANGE}`;
  }

  /** Broadcasts `method` and resolves with the replies (`[{node: value}, ...]`) received in time. */
  async call(method: string, options: ControlCallOptions = {}): Promise<Array<Record<string, unknown>>> {
    const timeoutMs = options.timeoutMs ?? 1000;
    const destination = options.destination && options.destination.length > 0 ? options.destination : null;
    const limit = options.limit ?? destination?.length ?? Infinity;
    this.declared ??= this.opts.transport.declareQueue(this.replyQueue, { exchange: PIDBOX_REPLY_EXCHANGE, routingKey: this.oid });
    await this.declared;
    const ticket = randomUUID();
    const replies: Array<Record<string, unknown>> = [];
    let consumer: Consumer | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(resolve, timeoutMs);
        const onDelivery = (delivery: Delivery): void => {
          void delivery.ack();
          this.clock.adjust(delivery.message.headers.clock);
          if (delivery.message.headers.ticket !== ticket) return;
          const body = parseReply(delivery.message.body);
          if (!body) return;
          replies.push(body);
          if (replies.length >= limit) resolve();
        };
        this.opts.transport.consume([this.replyQueue], 0, onDelivery)
          .then((c) => { consumer = c; })
          .then(() => this.opts.transport.publishFanout(PIDBOX_EXCHANGE, '', encodeControlRequest({
            method,
            arguments: options.arguments ?? {},
            destination,
            pattern: options.pattern ?? null,
            matcher: options.matcher ?? null,
            ticket,
            replyTo: { exchange: PIDBOX_REPLY_EXCHANGE, routingKey: this.oid },
          }, this.clock.forward(), Date.now() / 1000 + timeoutMs / 1000)))
          .catch(reject);
      });
    } finally {
      clearTimeout(timer);
      await consumer?.stop();
    }
    return replies;
  }

  /** Broadcasts `method` without asking for replies (Flower's `enable_events`, `shutdown`). */
  async cast(method: string, args: Record<string, unknown> = {}, destination: string[] | null = null): Promise<void> {
    await this.opts.transport.publishFanout(PIDBOX_EXCHANGE, '', encodeControlRequest(
      { method, arguments: args, destination }, this.clock.forward(), 0,
    ));
  }
}

function parseReply(body: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf-8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
