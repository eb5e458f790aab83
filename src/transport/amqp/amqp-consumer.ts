import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { KombuMessage } from '../../protocol/kombu-message';
import type { Consumer, Delivery } from '../transport';
import { etaMsOf } from './amqp-delayed-delivery';
import type { AmqpConnection } from './amqp-connection';
import { decodeAmqpMessage } from './amqp-message-codec';

/** Gives a far-ETA message back to the broker to be delivered again later (AmqpTransport: native delayed delivery). */
export interface EtaPostponer {
  /** Longest a delivery with an ETA is handed to the worker to hold; a later ETA is postponed. */
  maxHoldMs: number;
  /** Re-publishes `message` (consumed from `queue`) to come back in `countdownSec`; resolves once the broker confirmed it. */
  postpone(message: KombuMessage, queue: string, countdownSec: number): Promise<void>;
}

/**
 * A Consumer on its own channel: one basic.consume per queue, each under a per-consumer basic.qos
 * (global=false) of the prefetch count, as Celery 5.5 uses with quorum queues (channel-global QoS is
 * unsupported by quorum queues and deprecated in RabbitMQ 4). RabbitMQ applies such a qos to
 * consumers started after it, so `setPrefetch` takes effect for the next basic.consume (addQueue,
 * re-consuming after a lost channel), never by cancelling a running consumer: that would drop its
 * unacked deliveries from the count and break the bound. Held ETA messages are kept short instead
 * (EtaPostponer). A delivery is settled on the channel that delivered it; once that channel or its
 * connection is gone, the broker has requeued the message and settling is a no-op, so no stale tag
 * is ever acked on a new channel. After a reconnection it consumes again.
 */
export class AmqpConsumer implements Consumer {
  private channel: Channel | null = null;
  private readonly tags = new Map<string, string>();
  private readonly queueList: string[];
  private stopped = false;
  private removeHook: (() => void) | null = null;

  constructor(
    private readonly connection: AmqpConnection,
    queues: readonly string[],
    private prefetch: number,
    private readonly onDelivery: (delivery: Delivery) => void,
    private readonly log: Logger,
    private readonly postponer: EtaPostponer | null = null,
  ) {
    this.queueList = [...queues];
  }

  /** Opens the channel and consumes every queue; re-done after each reconnection. */
  async start(): Promise<void> {
    await this.attach(await this.connection.ready());
    this.removeHook = this.connection.onReconnect((model) => (this.stopped ? Promise.resolve() : this.attach(model)));
  }

  /** A queue the broker does not have fails here (its 404 closes the channel, which is then opened again for the other queues). */
  async addQueue(queue: string): Promise<void> {
    if (this.queueList.includes(queue)) return;
    if (this.channel) {
      try {
        await this.consumeQueue(this.channel, queue);
      } catch (err) {
        throw new TransportError('CELERIAC_TRANSPORT_CONSUME_FAILED', `cannot consume ${queue}: ${coerceError(err).message}`, { cause: err });
      }
    }
    this.queueList.push(queue);
  }

  async cancelQueue(queue: string): Promise<void> {
    const i = this.queueList.indexOf(queue);
    if (i >= 0) this.queueList.splice(i, 1);
    const tag = this.tags.get(queue);
    this.tags.delete(queue);
    if (tag !== undefined && this.channel) await this.channel.cancel(tag).catch(() => undefined);
  }

  queues(): readonly string[] {
    return [...this.queueList];
  }

  /** Per-consumer QoS: applies to the consumers started from now on (see the class comment). */
  setPrefetch(count: number): void {
    this.prefetch = count;
  }

  /** Cancels every consumer; the channel stays open so deliveries already handed out can still be settled. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.removeHook?.();
    const channel = this.channel;
    if (!channel) return;
    for (const tag of this.tags.values()) await channel.cancel(tag).catch(() => undefined);
    this.tags.clear();
  }

  /**
   * Stops and closes the channel. Acks already given reach the broker first (one channel's frames stay
   * in order, while a connection close can overtake them: amqplib sends each channel from its own
   * buffer); the broker requeues the unsettled rest.
   */
  async close(): Promise<void> {
    await this.stop();
    const channel = this.channel;
    this.channel = null;
    await channel?.close().catch(() => undefined);
  }

  private async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => { this.log.warn({ err: err.message }, 'consumer channel error'); });
    let attached = false;
    channel.on('close', () => {
      if (this.channel !== channel || !attached) return;
      this.channel = null;
      // The broker closed this channel alone (an error on it, consumer_timeout): consume again on a new
      // one. When the whole connection went, the reconnection does it instead.
      setImmediate(() => this.reattach());
    });
    this.channel = channel;
    this.tags.clear();
    try {
      for (const queue of this.queueList) await this.consumeQueue(channel, queue);
      attached = true;
    } catch (err) {
      if (this.channel === channel) this.channel = null;
      await channel.close().catch(() => undefined);
      throw new TransportError('CELERIAC_TRANSPORT_CONSUME_FAILED', `cannot start consuming ${this.queueList.join(', ')}: ${coerceError(err).message}`, { cause: err });
    }
  }

  private reattach(): void {
    const model = this.connection.live();
    if (this.stopped || this.channel || !model) return;
    this.attach(model).catch((err: unknown) => {
      this.log.error({ err: coerceError(err).message, queues: this.queueList }, 'cannot consume again after the channel closed; retrying');
      setTimeout(() => this.reattach(), 1000).unref();
    });
  }

  private async consumeQueue(channel: Channel, queue: string): Promise<void> {
    await channel.prefetch(this.prefetch, false);
    const { consumerTag } = await channel.consume(queue, (msg) => { if (msg) this.deliver(channel, queue, msg); }, { noAck: false });
    this.tags.set(queue, consumerTag);
  }

  private deliver(channel: Channel, queue: string, msg: ConsumeMessage): void {
    const { message, route } = decodeAmqpMessage(msg, queue);
    const etaMs = this.postponer ? etaMsOf(message) : null;
    if (this.postponer && etaMs !== null && etaMs - Date.now() > this.postponer.maxHoldMs) {
      this.postpone(this.postponer, channel, queue, msg, { message, route }, etaMs);
      return;
    }
    this.handOut(channel, queue, msg, message, route);
  }

  /**
   * A far ETA: re-published to come back when due, and acked once the broker confirmed the copy (a
   * crash in between leaves both: at-least-once, never lost). When the copy cannot be published the
   * worker holds the message as before.
   */
  private postpone(postponer: EtaPostponer, channel: Channel, queue: string, msg: ConsumeMessage,
    decoded: Pick<Delivery, 'message' | 'route'>, etaMs: number): void {
    const { message, route } = decoded;
    const countdownSec = Math.max(1, Math.floor((etaMs - Date.now()) / 1000));
    postponer.postpone(message, queue, countdownSec).then(() => {
      // Its channel gone, the broker requeued the original: it comes back and is postponed again.
      if (this.channel !== channel) return;
      try {
        channel.ack(msg);
      } catch (err) {
        this.log.warn({ err: coerceError(err).message, queue }, 'cannot ack a postponed delivery; the broker will redeliver it');
        return;
      }
      this.log.debug({ queue, countdownSec, taskId: message.headers.id }, 'far ETA postponed through native delayed delivery');
    }, (err: unknown) => {
      this.log.warn({ err: coerceError(err).message, queue, taskId: message.headers.id }, 'cannot postpone a far ETA; the worker holds it');
      this.handOut(channel, queue, msg, message, route);
    });
  }

  private handOut(channel: Channel, queue: string, msg: ConsumeMessage, message: KombuMessage, route: Delivery['route']): void {
    let settled = false;
    const settle = (how: 'ack' | 'reject', requeue: boolean): Promise<void> => {
      // Settled, or its channel is gone (the broker requeued it then): nothing to do.
      if (settled || this.channel !== channel) { settled = true; return Promise.resolve(); }
      settled = true;
      try {
        if (how === 'ack') channel.ack(msg);
        else channel.reject(msg, requeue);
      } catch (err) {
        return Promise.reject(new TransportError('CELERIAC_TRANSPORT_SETTLE_FAILED',
          `cannot ${how} delivery ${msg.fields.deliveryTag}: ${coerceError(err).message}`, { cause: err }));
      }
      return Promise.resolve();
    };
    const delivery: Delivery = {
      message, route, queue,
      deliveryTag: String(msg.fields.deliveryTag),
      redelivered: msg.fields.redelivered,
      ack: () => settle('ack', false),
      reject: (requeue: boolean) => settle('reject', requeue),
    };
    this.onDelivery(delivery);
  }
}
