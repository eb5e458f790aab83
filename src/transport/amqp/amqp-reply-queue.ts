import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import { safeUrl } from '../safe-url';
import { AmqpConnection } from './amqp-connection';
import { AmqpPublisher } from './amqp-publisher';
import { type AmqpTransportOptions, amqpConnectSpec } from './amqp-transport-options';

/** A client's reply queue as Celery's `RPCBackend.binding` declares it. */
export interface AmqpReplyQueueSpec {
  name: string;
  /** `x-expires` in ms, or null for none. */
  expiresMs: number | null;
}

/** One reply taken off the queue. */
export interface AmqpReply {
  body: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  correlationId: string | undefined;
}

/** Properties of one reply. */
export interface AmqpReplyProperties {
  correlationId: string;
  contentType: string;
  contentEncoding: string;
  deliveryMode: 1 | 2;
}

/**
 * The broker side of Celery's `rpc://` result backend on RabbitMQ, on its own connection: replies
 * published to the default exchange as kombu's Producer sends them (priority 0, empty headers, not
 * mandatory, confirmed), and a client's reply queue declared with the arguments of Celery's binding
 * (`durable=False, auto_delete=True`, `x-expires`) and consumed without acks, again after every
 * reconnection.
 */
export class AmqpReplyQueue {
  private readonly connection: AmqpConnection;
  private readonly publisher: AmqpPublisher;
  private consumer: { spec: AmqpReplyQueueSpec; onReply: (reply: AmqpReply) => void; channel: Channel | null } | null = null;

  constructor(url: string, options: AmqpTransportOptions, private readonly log: Logger) {
    this.connection = new AmqpConnection(amqpConnectSpec(url, options), safeUrl(url), options.maxRetryIntervalMs, log);
    this.publisher = new AmqpPublisher(this.connection);
    this.connection.onReconnect((model) => (this.consumer ? this.attach(model) : Promise.resolve()));
  }

  connect(): Promise<void> {
    return this.connection.connect();
  }

  async publishReply(replyTo: string, body: Buffer, properties: AmqpReplyProperties): Promise<void> {
    // Not mandatory (kombu's Producer.publish default): a client that is gone has no queue, and its reply is dropped.
    await this.publisher.publish('', replyTo, body, {
      correlationId: properties.correlationId, contentType: properties.contentType, contentEncoding: properties.contentEncoding,
      deliveryMode: properties.deliveryMode, priority: 0, headers: {}, mandatory: false,
    });
  }

  async consumeReplies(spec: AmqpReplyQueueSpec, onReply: (reply: AmqpReply) => void): Promise<void> {
    if (this.consumer) throw new TransportError('CELERIAC_TRANSPORT_COMMAND_FAILED', `already consuming replies from ${this.consumer.spec.name}`);
    this.consumer = { spec, onReply, channel: null };
    try {
      await this.attach(await this.connection.ready());
    } catch (err) {
      this.consumer = null;
      throw new TransportError('CELERIAC_TRANSPORT_COMMAND_FAILED', `cannot consume reply queue ${spec.name}: ${coerceError(err).message}`, { cause: err });
    }
  }

  /** Closes the connection (an auto_delete reply queue goes with its last consumer). Idempotent. */
  async close(): Promise<void> {
    this.consumer = null;
    await this.connection.close();
  }

  private async attach(model: ChannelModel): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => { this.log.warn({ err: err.message, queue: consumer.spec.name }, 'reply queue channel error'); });
    const { name, expiresMs } = consumer.spec;
    await ch.assertQueue(name, { durable: false, autoDelete: true, exclusive: false, arguments: expiresMs ? { 'x-expires': expiresMs } : {} });
    await ch.consume(name, (msg: ConsumeMessage | null) => {
      if (this.consumer !== consumer) return;
      if (!msg) {
        this.reattach(ch);
        return;
      }
      const p = msg.properties;
      consumer.onReply({ body: msg.content, contentType: str(p.contentType), contentEncoding: str(p.contentEncoding), correlationId: str(p.correlationId) });
    }, { noAck: true });
    consumer.channel = ch;
  }

  /** The broker cancelled the consumer (someone deleted the queue): declare it again and consume, on this connection. */
  private reattach(old: Channel): void {
    const model = this.connection.live();
    const name = this.consumer?.spec.name;
    this.log.warn({ queue: name }, 'reply queue consumer cancelled by the broker; declaring the queue again');
    void old.close().catch(noop);
    if (!model) return; // reconnecting: the reconnect hook attaches again
    this.attach(model).then(
      () => { this.log.info({ queue: name }, 'reply queue consumed again'); },
      (err: unknown) => { this.log.error({ queue: name, err: coerceError(err).message }, 'cannot consume the reply queue again'); },
    );
  }
}

function noop(): void { /* nothing */ }

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** An AmqpReplyQueue on the broker `url` (does not connect). */
export function createAmqpReplyQueue(url: string, options: AmqpTransportOptions, logger: Logger): AmqpReplyQueue {
  return new AmqpReplyQueue(url, options, logger);
}
