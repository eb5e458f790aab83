import type { ConfirmChannel, Message, Options } from 'amqplib';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { AmqpConnection } from './amqp-connection';

interface Pending {
  exchange: string;
  routingKey: string;
  content: Buffer;
  returned: boolean;
}

/**
 * Publishes on a confirm channel: a publish resolves once the broker confirmed it, and a mandatory
 * one the broker could not route (basic.return, which RabbitMQ sends before that message's ack)
 * rejects with CELERIAC_TRANSPORT_UNROUTABLE instead of vanishing. A channel the broker closed (an
 * unknown exchange) is replaced on the next publish.
 */
export class AmqpPublisher {
  private channel: Promise<ConfirmChannel> | null = null;
  private readonly pending = new Set<Pending>();

  constructor(private readonly connection: AmqpConnection) {}

  /** Publish and wait for the broker's confirm. */
  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const channel = await this.open();
    const entry: Pending = { exchange, routingKey, content, returned: false };
    this.pending.add(entry);
    try {
      await new Promise<void>((resolve, reject) => {
        channel.publish(exchange, routingKey, content, options, (err: unknown) => (err ? reject(coerceError(err)) : resolve()));
      });
    } catch (err) {
      throw new TransportError('CELERIAC_TRANSPORT_PUBLISH_FAILED',
        `publish to exchange "${exchange}" key "${routingKey}" not confirmed: ${coerceError(err).message}`, { cause: err });
    } finally {
      this.pending.delete(entry);
    }
    if (entry.returned) {
      throw new TransportError('CELERIAC_TRANSPORT_UNROUTABLE',
        `message to exchange "${exchange}" key "${routingKey}" is unroutable: no queue is bound to it`);
    }
  }

  private open(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const opening = (async () => {
      const model = await this.connection.ready();
      const channel = await model.createConfirmChannel();
      channel.on('error', () => undefined); // reported through the failed publish
      channel.on('close', () => { if (this.channel === opening) this.channel = null; });
      channel.on('return', (msg: Message) => this.markReturned(msg));
      return channel;
    })();
    this.channel = opening;
    opening.catch(() => { if (this.channel === opening) this.channel = null; });
    return opening;
  }

  private markReturned(msg: Message): void {
    for (const p of this.pending) {
      if (!p.returned && p.exchange === msg.fields.exchange && p.routingKey === msg.fields.routingKey && p.content.equals(msg.content)) {
        p.returned = true;
        return;
      }
    }
  }
}
