import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { KombuMessage, Route } from '../../protocol/kombu-message';
import { encodeRedisEnvelope } from '../../protocol/redis-envelope';
import { safeUrl } from '../safe-url';
import type { Consumer, Delivery, FanoutMessage, Transport } from '../transport';
import { buildOutgoing } from './build-outgoing';
import { connectRedisClient, quitRedisClient } from './connect-redis-client';
import { deliveryOfElement } from './delivery-of-element';
import { parseRedisUrl, type RedisConnectionSpec } from './redis-connection';
import { RedisConsumer, type PoppedElement } from './redis-consumer';
import type { RedisDelivery, Settlement } from './redis-delivery';
import { RedisFanout } from './redis-fanout';
import { RedisKeyWatchers } from './redis-key-watchers';
import { buildRedisKeys, type RedisKeys } from './redis-keys';
import { createRedisLookup, type RedisLookup } from './redis-router';
import { defaultRedisTransportOptions, type RedisTransportOptions } from './redis-transport-options';
import { RedisUnacked } from './redis-unacked';

interface Connected {
  spec: RedisConnectionSpec;
  client: Redis;
  keys: RedisKeys;
  lookup: RedisLookup;
  unacked: RedisUnacked;
}

/** A settle's reaction when Redis confirmed it: resolves to nothing, whatever the store returned. */
function settledOk(): void {}

/** Creates (does not connect) a kombu-compatible Redis transport; missing options take kombu's defaults. */
export function createRedisTransport(url: string, options: Partial<RedisTransportOptions>, logger: Logger): RedisTransport {
  return new RedisTransport(url, { ...defaultRedisTransportOptions, ...options }, logger);
}

/**
 * The Redis broker exactly as kombu lays it out (lists per queue and priority, `_kombu.binding.*`,
 * `unacked`/`unacked_index`/`unacked_mutex`, pub/sub fanout), so Python producers, workers and
 * monitors share queues with us.
 */
export class RedisTransport implements Transport {
  private conn: Connected | undefined;
  private connecting: Promise<Connected> | undefined;
  private readonly consumers = new Set<RedisConsumer>();
  /** Deliveries handed out and not settled, by object: two deliveries may share a tag (restored while held). */
  private readonly held = new Map<RedisDelivery, RedisConsumer>();
  /** How many held deliveries carry each tag (the visibility sweep leaves these alone). */
  private readonly heldTags = new Map<string, number>();
  /** Every delivery settles through this one function (not a closure made per delivery). */
  private readonly settleDelivery = (d: RedisDelivery, how: Settlement): Promise<void> => this.settle(d, how);
  private fanout: Promise<{ fanout: RedisFanout; client: Redis }> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private keepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly url: string, private readonly options: RedisTransportOptions, private readonly logger: Logger) {}

  /** Connects the command connection; throws TransportError naming the URL when Redis is unreachable. */
  async connect(): Promise<void> {
    await this.ready();
  }

  /** SADD `_kombu.binding.<exchange>` `<rk><sep><sep><queue>`, as kombu `_queue_bind` for a direct exchange. */
  async declareQueue(queue: string, route: Route): Promise<void> {
    const { client, keys } = await this.ready();
    await client.sadd(keys.bindingKey(route.exchange), keys.bindingMember(route.routingKey, '', queue));
  }

  /** Starts a consumer on its own connection; the visibility sweep runs while any consumer does. */
  async consume(queues: readonly string[], prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Consumer> {
    const conn = await this.ready();
    const blocking = await connectRedisClient(conn.spec, this.url, 'consumer', this.logger);
    // Watchers log errors only: an outage is already reported once by the command and consumer connections.
    const quiet = this.logger.child({}, { level: 'error' });
    const watchers = new RedisKeyWatchers(() => connectRedisClient(conn.spec, this.url, 'watcher', quiet), conn.client,
      this.options.pollingIntervalSec, this.logger);
    const consumer: RedisConsumer = new RedisConsumer(blocking, watchers, conn.keys, this.options.prioritySteps,
      { maxElementBytes: this.options.maxElementBytes, poisonQueue: this.options.poisonQueue },
      { receive: (element, c) => this.receive(element, c, onDelivery) },
      this.logger, queues, prefetch, async () => {
        this.consumers.delete(consumer);
        if (this.consumers.size === 0) this.stopSweep();
        await quitRedisClient(blocking);
      }, this.options.queuedPops);
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (err) {
      await consumer.stop();
      throw new TransportError('CELERIAC_TRANSPORT_CONSUME_FAILED', `cannot start consuming ${queues.join(', ')}: ${coerceError(err).message}`, { cause: err });
    }
    this.startSweep();
    this.startKeeper();
    return consumer;
  }

  /** LPUSH the envelope to every queue the route reaches, in the key of the message's priority bucket. */
  async publish(message: KombuMessage, route: Route): Promise<void> {
    const { client, keys, lookup } = await this.ready();
    const payload = encodeRedisEnvelope(buildOutgoing(message, route));
    const queues = await lookup(route.exchange, route.routingKey);
    if (queues.length === 0) {
      this.logger.warn({ exchange: route.exchange, routingKey: route.routingKey }, 'message dropped: no queue bound to this route');
      return;
    }
    const bucket = keys.bucket(message.properties.priority);
    if (queues.length === 1) {
      await client.lpush(keys.queueKey(queues[0] as string, bucket), payload);
      return;
    }
    const pipe = client.pipeline();
    for (const q of queues) pipe.lpush(keys.queueKey(q, bucket), payload);
    await pipe.exec();
  }

  /** PUBLISH on `<prefix>/<db>.<exchange>[/<routingKey>]` (kombu `_put_fanout`). */
  async publishFanout(exchange: string, routingKey: string, message: KombuMessage): Promise<void> {
    const { client, keys } = await this.ready();
    await client.publish(keys.fanoutChannel(exchange, routingKey), encodeRedisEnvelope(buildOutgoing(message, { exchange, routingKey })));
  }

  /** PSUBSCRIBE to the exchange's channel with `#` turned into `*`; returns an unsubscribe. */
  async subscribeFanout(exchange: string, pattern: string, onMessage: (msg: FanoutMessage) => void): Promise<() => Promise<void>> {
    const conn = await this.ready();
    this.fanout ??= connectRedisClient(conn.spec, this.url, 'fanout', this.logger)
      .then((client) => ({ client, fanout: new RedisFanout(client, conn.keys, this.logger) }));
    const { fanout } = await this.fanout;
    return fanout.subscribe(exchange, pattern, onMessage);
  }

  /** Sum of LLEN over the queue's priority keys (what Flower shows). */
  async queueLength(queue: string): Promise<number> {
    const { client, keys } = await this.ready();
    const pipe = client.pipeline();
    for (const key of keys.queueKeys(queue)) pipe.llen(key);
    const replies = (await pipe.exec()) ?? [];
    return replies.reduce((sum, [err, n]) => (err ? sum : sum + Number(n)), 0);
  }

  /** Deletes a queue's ready messages at every priority level in one MULTI, as kombu's `_purge`; resolves to how many. */
  async purge(queue: string): Promise<number> {
    const { client, keys } = await this.ready();
    const multi = client.multi();
    for (const key of keys.queueKeys(queue)) multi.llen(key).del(key);
    const replies = (await multi.exec()) ?? [];
    return replies.reduce((sum, [err, n], i) => (err || i % 2 === 1 ? sum : sum + Number(n)), 0);
  }

  /** Deliveries handed out and not yet settled, across consumers. */
  unsettledCount(): number {
    return this.held.size;
  }

  /** One visibility sweep now (kombu `restore_visible`); resolves to the number of tags restored. */
  async restoreVisible(): Promise<number> {
    const { unacked } = await this.ready();
    return unacked.restoreVisible(Date.now(), new Set(this.heldTags.keys()));
  }

  /** Stops consumers, gives every unsettled delivery back (RPUSH, redelivered), disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.stopSweep();
    if (this.keepTimer) clearInterval(this.keepTimer);
    this.keepTimer = undefined;
    await this.sweeping;
    const conn = this.conn ?? (await this.connecting?.catch(() => undefined));
    if (conn) {
      for (const [delivery, consumer] of [...this.held]) {
        if (!delivery.claim()) continue;
        const tag = delivery.deliveryTag;
        this.held.delete(delivery);
        this.heldTags.delete(tag);
        consumer.track(-1);
        // A refused element the pop script already moved to the poison queue has nothing to give back.
        if (delivery.refusal?.keptIn) continue;
        await conn.unacked.restoreByTag(tag, false).catch((err: unknown) => {
          this.logger.error({ err: coerceError(err), deliveryTag: tag }, 'could not give back an unsettled delivery');
        });
      }
    }
    const fanout = await this.fanout?.catch(() => undefined);
    if (fanout) await quitRedisClient(fanout.client);
    if (conn) await quitRedisClient(conn.client);
  }

  private ready(): Promise<Connected> {
    if (this.closing) return Promise.reject(new TransportError('CELERIAC_TRANSPORT_CLOSED', `transport to ${safeUrl(this.url)} is closed`));
    if (this.conn) return Promise.resolve(this.conn);
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async open(): Promise<Connected> {
    const spec = parseRedisUrl(this.url, {
      ...(this.options.masterName ? { masterName: this.options.masterName } : {}),
      sentinelKwargs: this.options.sentinelKwargs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      useSsl: this.options.useSsl,
    });
    for (const warning of spec.warnings ?? []) this.logger.warn(warning);
    const client = await connectRedisClient(spec, this.url, 'command', this.logger);
    const keys = buildRedisKeys(this.options, spec.db);
    const lookup = createRedisLookup(client, keys);
    const unacked = new RedisUnacked(client, keys, lookup, this.options, this.logger);
    this.conn = { spec, client, keys, lookup, unacked };
    return this.conn;
  }

  private receive(element: PoppedElement, consumer: RedisConsumer, onDelivery: (d: Delivery) => void): void {
    if (!this.conn) return;
    const { queue, tag } = element;
    const delivery = deliveryOfElement(element, this.options.poisonQueue, this.settleDelivery);
    if (this.heldTags.has(tag)) this.logger.warn({ deliveryTag: tag, queue }, 'delivered again while still held (restored by another worker?)');
    this.held.set(delivery, consumer);
    this.heldTags.set(tag, (this.heldTags.get(tag) ?? 0) + 1);
    consumer.track(1);
    try {
      onDelivery(delivery);
    } catch (err) {
      this.logger.error({ err: coerceError(err), deliveryTag: tag }, 'delivery handler threw');
    }
  }

  /**
   * Settles in Redis. Built from the unacked store's promise with one reaction (no async wrapper, no
   * await of a resolved connection): an ack costs one promise here, its batch's script call is shared.
   */
  private settle(delivery: RedisDelivery, how: Settlement): Promise<void> {
    const consumer = this.held.get(delivery);
    if (consumer) {
      this.held.delete(delivery);
      const left = (this.heldTags.get(delivery.deliveryTag) ?? 1) - 1;
      if (left > 0) this.heldTags.set(delivery.deliveryTag, left);
      else this.heldTags.delete(delivery.deliveryTag);
      consumer.track(-1);
    }
    // Settling still works while close() runs (it gives back what is left).
    const conn = this.conn;
    if (!conn) return Promise.reject(new TransportError('CELERIAC_TRANSPORT_CLOSED', 'transport is not connected'));
    const tag = delivery.deliveryTag;
    const done: Promise<unknown> = how === 'requeue' ? conn.unacked.restoreByTag(tag, true) : conn.unacked.remove(tag);
    return done.then(settledOk, (err: unknown) => {
      throw new TransportError('CELERIAC_TRANSPORT_SETTLE_FAILED', `cannot ${how} delivery ${tag}: ${coerceError(err).message}`, { cause: err });
    });
  }

  /**
   * Keeps held messages invisible to visibility sweeps. kombu records a delivery's time once
   * (`unacked_index` score) and any worker's `restore_visible` redelivers it once that is older than
   * `visibility_timeout`, even while its worker still holds it (an ETA further away, a long task):
   * the duplicate execution of kombu issue 337. Going beyond kombu, every `visibility_timeout / 3`
   * the score of every delivery still held becomes now (ZADD XX: never resurrecting a tag settled or
   * restored meanwhile), so neither our sweep nor a Python worker's redelivers it; a crashed worker
   * stops refreshing, and its messages come back after the timeout as before.
   */
  async refreshHeld(): Promise<number> {
    const conn = this.conn;
    if (!conn) return 0;
    const tags = [...this.held.keys()].filter((d) => !d.isSettled && !d.refusal?.keptIn).map((d) => d.deliveryTag);
    const now = String(Date.now() / 1000);
    for (let i = 0; i < tags.length; i += 1000) {
      await conn.client.zadd(conn.keys.unackedIndex, 'XX', ...tags.slice(i, i + 1000).flatMap((t) => [now, t]));
    }
    return tags.length;
  }

  /** Refreshes held deliveries from the first consume until close (also while running tasks finish after a stop). */
  private startKeeper(): void {
    if (this.keepTimer) return;
    this.keepTimer = setInterval(() => {
      this.refreshHeld().catch((err: unknown) => this.logger.warn({ err: coerceError(err) },
        'cannot refresh held messages; they may be redelivered after the visibility timeout'));
    }, Math.max(1, Math.floor((this.options.visibilityTimeoutSec * 1000) / 3)));
    this.keepTimer.unref();
  }

  private startSweep(): void {
    if (this.sweepTimer) return;
    const run = (): void => {
      if (this.sweeping) return;
      this.sweeping = this.restoreVisible()
        .catch((err: unknown) => this.logger.error({ err: coerceError(err) }, 'visibility sweep failed'))
        .finally(() => { this.sweeping = undefined; });
    };
    this.sweepTimer = setInterval(run, this.options.unackedRestoreIntervalSec * 1000);
    this.sweepTimer.unref();
    run();
  }

  private stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
