import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import { PIDBOX_EXCHANGE, decodeControlRequest, type ControlRequest } from '../../protocol/pidbox/decode-control-request';
import { encodeControlReply } from '../../protocol/pidbox/encode-control-reply';
import { isAddressedTo } from '../../protocol/pidbox/is-addressed-to';
import type { FanoutMessage, Transport } from '../../transport/transport';
import { NO_REPLY, type ControlContext, type ControlHandler } from './control-context';
import { CONTROL_HANDLERS } from './control-handlers';

/** Construction options of a ControlServer. */
export interface ControlServerOptions {
  /** Subscribes `celery.pidbox`, publishes replies to `reply.celery.pidbox` (binding lookup by routing key). */
  transport: Pick<Transport, 'subscribeFanout' | 'publish'>;
  /** What commands read and call. */
  context: ControlContext;
  /** Command table; defaults to CONTROL_HANDLERS. */
  handlers?: Readonly<Record<string, ControlHandler>>;
  logger?: Pick<Logger, 'warn' | 'debug' | 'info'>;
}

/**
 * The worker's pidbox node (kombu `Node`): receives broadcast control requests, runs those
 * addressed to this node, and replies `{<node>: <value>}` with the request's ticket.
 */
export class ControlServer {
  private readonly opts: ControlServerOptions;
  private readonly handlers: Readonly<Record<string, ControlHandler>>;
  private unsubscribe: (() => Promise<void>) | null = null;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: ControlServerOptions) {
    this.opts = options;
    this.handlers = options.handlers ?? CONTROL_HANDLERS;
  }

  /** Starts listening on `celery.pidbox` (Redis: `PSUBSCRIBE /<db>.celery.pidbox`). */
  async start(): Promise<void> {
    if (this.unsubscribe || this.closed) return;
    this.unsubscribe = await this.opts.transport.subscribeFanout(PIDBOX_EXCHANGE, '', (msg) => {
      const run = this.handleMessage(msg);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    });
  }

  /** Stops listening and waits for commands being answered. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    if (unsubscribe) await unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Handles one request message; never throws. Exposed for tests and for transports that push directly. */
  async handleMessage(msg: FanoutMessage): Promise<void> {
    const { context } = this.opts;
    let request: ControlRequest;
    try {
      request = decodeControlRequest(msg.message);
    } catch (caught) {
      this.opts.logger?.warn({ err: coerceError(caught) }, 'control request dropped');
      return;
    }
    context.clock.adjust(request.clock);
    if (!isAddressedTo(request, context.inspector.hostname)) return;
    this.opts.logger?.debug({ method: request.method, ticket: request.ticket }, 'control request');
    const value = await this.run(request);
    if (value === NO_REPLY || !request.replyTo || this.closed) return;
    try {
      const reply = encodeControlReply(context.inspector.hostname, value, request.replyTo, request.ticket, context.clock.forward());
      await this.opts.transport.publish(reply.message, reply.route);
    } catch (caught) {
      this.opts.logger?.warn({ err: coerceError(caught), method: request.method }, 'control reply not sent');
    }
  }

  /** Runs the command; unknown commands and thrown errors become `{"error": repr(exc)}` as kombu's dispatch. */
  private async run(request: ControlRequest): Promise<unknown> {
    const { context } = this.opts;
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, request.method) ? this.handlers[request.method] : undefined;
    if (!handler) return { error: `KeyError(${context.reprs.repr(request.method)})` };
    try {
      return await handler(context, request.arguments);
    } catch (caught) {
      this.opts.logger?.warn({ err: coerceError(caught), method: request.method }, 'control command failed');
      return { error: context.reprs.exceptionRepr(caught) };
    }
  }
}
