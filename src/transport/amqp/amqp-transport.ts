import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { KombuMessage, Route } from '../../protocol/kombu-message';
import { safeUrl } from '../safe-url';
import type { Consumer, Delivery, FanoutMessage, Transport } from '../transport';
import { AmqpConnection } from './amqp-connection';
import { AmqpConsumer, type EtaPostponer } from './amqp-consumer';
import { AmqpDelayedDelivery, withoutDeadLetterHeaders } from './amqp-delayed-delivery';
import { AmqpQueueTable, type QueueTableSettings } from './amqp-queue-table';
import { decodeAmqpMessage, encodeAmqpPublishOptions } from './amqp-message-codec';
import { AmqpPublisher } from './amqp-publisher';
import { BROADCAST_QUEUE_OPTIONS, PIDBOX_REPLY_EXCHANGE, buildExchangeSpec, buildQueueSpec } from './amqp-topology';
import { type AmqpTransportOptions, amqpConnectSpec } from './amqp-transport-options';

/**
 * The Transport on RabbitMQ (AMQP 0-9-1, amqplib), with kombu's topology so Python Celery peers share
 * the broker: durable direct exchange + durable queue per task queue, the mailbox and event
 * exchanges as kombu declares them, publisher confirms, mandatory publishes, broadcast receivers on
 * exclusive server-named queues. Reconnects by itself and sets consumers and receivers up again.
 */
export class AmqpTransport implements Transport {
  private readonly connection: AmqpConnection;
  private readonly publisher: AmqpPublisher;
  private ops: Promise<Channel> | null = null;
  private readonly declaredExchanges = new Set<string>();
  private readonly declaredQueues = new Map<string, Route>();
  private readonly consumers = new Set<AmqpConsumer>();
  private readonly table: AmqpQueueTable;
  private readonly delayed: AmqpDelayedDelivery;

  constructor(url: string, private readonly options: AmqpTransportOptions, private readonly log: Logger, queues: QueueTableSettings = {}) {
    this.table = new AmqpQueueTable(queues, options.maxPriority);
    this.delayed = new AmqpDelayedDelivery(this.table);
    this.connection = new AmqpConnection(amqpConnectSpec(url, options), safeUrl(url), options.maxRetryIntervalMs, log);
    this.publisher = new AmqpPublisher(this.connection);
    // A restarted broker may have lost non-durable state: declare again what was declared.
    // (On the new connection itself: ready() waits for these hooks.)
    this.connection.onReconnect(async (model) => {
      this.declaredExchanges.clear();
      this.delayed.reset();
      const ch = await model.createChannel();
      for (const [queue, route] of this.declaredQueues) await this.declareOn(ch, queue, route);
      await ch.close();
    });
  }

  connect(): Promise<void> {
    return this.connection.connect();
  }

  async declareQueue(queue: string, route: Route): Promise<void> {
    await this.withOps((ch) => this.declareOn(ch, queue, route), `declare queue ${queue}`);
    this.declaredQueues.set(queue, route);
  }

  async consume(queues: readonly string[], prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Consumer> {
    const consumer = new AmqpConsumer(this.connection, queues, prefetch, onDelivery, this.log, this.etaPostponer());
    await consumer.start();
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * A publish to the default exchange names its queue: declared first (once) as Celery's task sender
   * declares the queue it routes to (`declare=[queue]`), so a task sent before any worker started
   * waits in its queue instead of being unroutable.
   */
  async publish(message: KombuMessage, route: Route): Promise<void> {
    if (route.exchange === '' && !this.declaredQueues.has(route.routingKey)) {
      await this.declareQueue(route.routingKey, { exchange: route.routingKey, routingKey: route.routingKey });
    }
    if (route.exchange !== '' && !this.declaredExchanges.has(route.exchange)) {
      await this.withOps((ch) => this.ensureExchange(ch, route.exchange, 'task'), `declare exchange ${route.exchange}`);
    }
    // A pidbox reply to a client that already gave up (its reply queue expired) is dropped, as kombu's
    // Mailbox._publish_reply does; any other unroutable message is an error.
    const mandatory = route.exchange !== PIDBOX_REPLY_EXCHANGE;
    // A countdown to a quorum setup goes through native delayed delivery, as Python's send_task sends it.
    const plan = this.delayed.planPublish(message, route, Date.now());
    if (plan) await this.withOps((ch) => this.delayed.prepare(ch, plan.targets), 'declare native delayed delivery');
    const to = plan?.route ?? route;
    await this.publisher.publish(to.exchange, to.routingKey, message.body, { ...encodeAmqpPublishOptions(message), mandatory });
  }

  /** Far ETAs go back to the broker through native delayed delivery, to exactly the queue they came from. */
  private etaPostponer(): EtaPostponer {
    return {
      maxHoldMs: this.options.etaMaxHoldMs,
      postpone: async (message, queue, countdownSec) => {
        const plan = this.delayed.planPostpone(queue, countdownSec);
        await this.withOps((ch) => this.delayed.prepare(ch, plan.targets), 'declare native delayed delivery');
        const copy = withoutDeadLetterHeaders(message);
        await this.publisher.publish(plan.route.exchange, plan.route.routingKey, copy.body, { ...encodeAmqpPublishOptions(copy), mandatory: true });
      },
    };
  }

  async publishFanout(exchange: string, routingKey: string, message: KombuMessage): Promise<void> {
    if (!this.declaredExchanges.has(exchange)) {
      await this.withOps((ch) => this.ensureExchange(ch, exchange, 'broadcast'), `declare exchange ${exchange}`);
    }
    // Not mandatory: a broadcast nobody listens to (no event receiver, no worker) is normal.
    await this.publisher.publish(exchange, routingKey, message.body, encodeAmqpPublishOptions(message));
  }

  async subscribeFanout(exchange: string, pattern: string, onMessage: (msg: FanoutMessage) => void): Promise<() => Promise<void>> {
    let channel: Channel | null = null;
    let active = true;
    const attach = async (model: ChannelModel): Promise<void> => {
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => { this.log.warn({ err: err.message, exchange }, 'broadcast channel error'); });
      await this.ensureExchange(ch, exchange, 'broadcast');
      const { queue } = await ch.assertQueue('', BROADCAST_QUEUE_OPTIONS);
      await ch.bindQueue(queue, exchange, pattern);
      await ch.consume(queue, (msg) => {
        if (!msg || !active) return;
        const { message, route } = decodeAmqpMessage(msg, queue);
        onMessage({ message, exchange: route.exchange, routingKey: route.routingKey });
      }, { noAck: true });
      channel = ch;
    };
    await attach(await this.connection.ready());
    const removeHook = this.connection.onReconnect((model) => (active ? attach(model) : Promise.resolve()));
    return async () => {
      if (!active) return;
      active = false;
      removeHook();
      await channel?.close().catch(() => undefined);
    };
  }

  async queueLength(queue: string): Promise<number> {
    return this.withMissingQueue(queue, async (ch) => (await ch.checkQueue(queue)).messageCount);
  }

  async purge(queue: string): Promise<number> {
    return this.withMissingQueue(queue, async (ch) => (await ch.purgeQueue(queue)).messageCount);
  }

  /** Closing the connection gives every unacked delivery back to its queue (the broker requeues them, redelivered). */
  async close(): Promise<void> {
    for (const c of this.consumers) await c.close().catch(() => undefined);
    this.consumers.clear();
    await this.connection.close();
  }

  /** An unknown queue has no messages (RabbitMQ answers 404 and closes the channel, which is then replaced). */
  private async withMissingQueue(queue: string, fn: (ch: Channel) => Promise<number>): Promise<number> {
    try {
      return await this.withOps(fn, `inspect queue ${queue}`);
    } catch (err) {
      if (err instanceof TransportError && /NOT_FOUND|404/.test(err.message)) return 0;
      throw err;
    }
  }

  private async declareOn(ch: Channel, queue: string, route: Route): Promise<void> {
    // A configured queue (task_queues, the default queue) is declared as Python's queue table says,
    // whatever route the caller assumed for it (the worker passes Celery's missing-queue default).
    const assumed = route.exchange === queue && route.routingKey === queue;
    const decl = this.table.isConfigured(queue) && assumed ? this.table.lookup(queue) : null;
    const exchange = decl?.exchange ?? route.exchange;
    const spec = buildQueueSpec(queue, exchange, this.table.lookup(queue).arguments);
    await ch.assertQueue(spec.name, spec.options);
    if (exchange !== '') {
      await this.ensureExchange(ch, exchange, 'task');
      await ch.bindQueue(queue, exchange, decl?.routingKey ?? route.routingKey);
    }
    // As Python's DelayedDelivery bootstep, with a quorum queue configured: the levels, and this queue reachable from them.
    const exchangeType = this.table.exchangeType(exchange);
    if (this.delayed.enabled && exchange !== '' && exchange !== PIDBOX_REPLY_EXCHANGE) {
      const routingKey = decl?.routingKey ?? route.routingKey;
      await this.delayed.prepare(ch, exchangeType === 'direct' ? [] : [{ queue, exchange, exchangeType, routingKey }]);
    }
  }

  private async ensureExchange(ch: Channel, name: string, kind: 'task' | 'broadcast'): Promise<void> {
    const spec = buildExchangeSpec(name, kind, this.table.exchangeType(name));
    await ch.assertExchange(spec.name, spec.type, spec.options);
    this.declaredExchanges.add(name);
  }

  private async withOps<T>(fn: (ch: Channel) => Promise<T>, what: string): Promise<T> {
    const channel = await this.opsChannel();
    try {
      return await fn(channel);
    } catch (err) {
      throw new TransportError('CELERIAC_TRANSPORT_COMMAND_FAILED', `cannot ${what}: ${coerceError(err).message}`, { cause: err });
    }
  }

  private opsChannel(): Promise<Channel> {
    if (this.ops) return this.ops;
    const opening = (async () => {
      const ch = await (await this.connection.ready()).createChannel();
      ch.on('error', () => undefined); // reported by the failing operation
      ch.on('close', () => { if (this.ops === opening) this.ops = null; });
      return ch;
    })();
    this.ops = opening;
    opening.catch(() => { if (this.ops === opening) this.ops = null; });
    return opening;
  }
}

/** An AmqpTransport for a broker URL (does not connect). */
export function createAmqpTransport(url: string, options: AmqpTransportOptions, logger: Logger, queues?: QueueTableSettings): AmqpTransport {
  return new AmqpTransport(url, options, logger, queues);
}
