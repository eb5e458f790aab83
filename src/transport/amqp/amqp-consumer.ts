import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { Consumer, Delivery } from '../transport';
import type { AmqpConnection } from './amqp-connection';
import { decodeAmqpMessage } from './amqp-message-codec';

/**
 * A Consumer on its own channel: one basic.consume per queue and a basic.qos on that channel bounding
 * the unsettled deliveries of all its queues together (channel-wide, so `setPrefetch` applies at
 * once, as kombu's QoS.update). A delivery is settled on the channel that delivered it; once that
 * channel or its connection is gone, the broker has requeued the message and settling is a no-op,
 * so no stale tag is ever acked on a new channel. After a reconnection it consumes again.
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

  setPrefetch(count: number): void {
    this.prefetch = count;
    this.channel?.prefetch(count, true).catch((err: unknown) => {
      this.log.warn({ err: coerceError(err).message, prefetch: count }, 'cannot change prefetch');
    });
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
    await channel.prefetch(this.prefetch, true);
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
    const { consumerTag } = await channel.consume(queue, (msg) => { if (msg) this.deliver(channel, queue, msg); }, { noAck: false });
    this.tags.set(queue, consumerTag);
  }

  private deliver(channel: Channel, queue: string, msg: ConsumeMessage): void {
    const { message, route } = decodeAmqpMessage(msg, queue);
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
