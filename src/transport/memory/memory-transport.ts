import { randomUUID } from 'node:crypto';
import type { KombuMessage, Route } from '../../protocol/kombu-message';
import type { Consumer, Delivery, FanoutMessage, Transport } from '../transport';

const STEPS = [0, 3, 6, 9] as const;

interface Held { message: KombuMessage; queue: string; consumer: MemoryConsumer; settled: boolean }

/** kombu's priority bucket: clamp(int(priority), 0, 9), then the largest step not above it. */
function bucketOf(priority: unknown): number {
  const n = Math.min(Math.max(Math.trunc(Number(priority)) || 0, 0), 9);
  return STEPS.filter((s) => s <= n).pop() ?? 0;
}

/** Redis PSUBSCRIBE-style glob of a fanout binding (`#` and `*` match anything; `''` matches only `''`). */
function fanoutMatches(pattern: string, routingKey: string): boolean {
  if (!pattern) return routingKey === '';
  const re = pattern.replace(/#/g, '*').split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(routingKey);
}

/** A consumer of the in-memory transport. */
class MemoryConsumer implements Consumer {
  readonly given: string[];
  cycle: string[];
  unsettled = 0;
  stopped = false;

  constructor(private readonly transport: MemoryTransport, queues: readonly string[], public prefetch: number,
    readonly onDelivery: (d: Delivery) => void) {
    this.given = [...new Set(queues)];
    this.cycle = [...this.given];
  }

  async addQueue(queue: string): Promise<void> {
    if (!this.given.includes(queue)) { this.given.push(queue); this.cycle.push(queue); }
    this.transport.schedule();
  }

  async cancelQueue(queue: string): Promise<void> {
    const at = this.given.indexOf(queue);
    if (at >= 0) this.given.splice(at, 1);
    this.cycle = this.cycle.filter((q) => q !== queue);
  }

  queues(): readonly string[] { return [...this.given]; }

  setPrefetch(count: number): void { this.prefetch = Math.max(0, Math.floor(count)); this.transport.schedule(); }

  async stop(): Promise<void> { this.stopped = true; }

  hasCredit(): boolean { return !this.stopped && (this.prefetch === 0 || this.unsettled < this.prefetch); }
}

/**
 * The broker in memory, with the Redis transport's semantics (kombu's pop order across priority
 * buckets and queues, prefetch, ack/reject/requeue, give-back at close, fanout patterns): the test
 * double that keeps the Transport interface honest. Data survives close() so tests can inspect it.
 */
export class MemoryTransport implements Transport {
  /** queue -> bucket -> messages, next to pop first. */
  private readonly lists = new Map<string, Map<number, KombuMessage[]>>();
  private readonly bindings = new Map<string, Set<string>>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly held = new Map<string, Held>();
  private readonly subscriptions = new Set<{ exchange: string; pattern: string; onMessage: (m: FanoutMessage) => void }>();
  private scheduled = false;

  /** Nothing to connect. */
  async connect(): Promise<void> {}

  /** Records the binding used to route named-exchange publishes. */
  async declareQueue(queue: string, route: Route): Promise<void> {
    const set = this.bindings.get(route.exchange) ?? new Set<string>();
    set.add(JSON.stringify([route.routingKey, queue]));
    this.bindings.set(route.exchange, set);
  }

  /** Starts pushing deliveries to `onDelivery` (asynchronously, never inside the caller's stack). */
  async consume(queues: readonly string[], prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Consumer> {
    const consumer = new MemoryConsumer(this, queues, prefetch, onDelivery);
    this.consumers.add(consumer);
    this.schedule();
    return consumer;
  }

  /** Enqueues with kombu's delivery properties; a named exchange routes by declared bindings. */
  async publish(message: KombuMessage, route: Route): Promise<void> {
    const queues = route.exchange
      ? [...new Set([...(this.bindings.get(route.exchange) ?? [])].map((b) => JSON.parse(b) as [string, string])
        .filter(([rk]) => rk === route.routingKey).map(([, q]) => q))]
      : [route.routingKey];
    const properties = { ...message.properties, delivery_info: { exchange: route.exchange, routing_key: route.routingKey },
      priority: message.properties.priority ?? 0, body_encoding: 'base64', delivery_tag: randomUUID() };
    for (const q of queues) this.list(q, bucketOf(properties.priority)).push({ ...message, properties });
    this.schedule();
  }

  /** Delivers to every subscription of `exchange` whose pattern matches `routingKey`. */
  async publishFanout(exchange: string, routingKey: string, message: KombuMessage): Promise<void> {
    for (const s of [...this.subscriptions]) {
      if (s.exchange === exchange && fanoutMatches(s.pattern, routingKey)) {
        queueMicrotask(() => s.onMessage({ message, exchange, routingKey }));
      }
    }
  }

  /** Subscribes; returns an unsubscribe. */
  async subscribeFanout(exchange: string, pattern: string, onMessage: (msg: FanoutMessage) => void): Promise<() => Promise<void>> {
    const sub = { exchange, pattern, onMessage };
    this.subscriptions.add(sub);
    return async () => { this.subscriptions.delete(sub); };
  }

  /** Ready messages over all buckets. */
  async queueLength(queue: string): Promise<number> {
    return [...(this.lists.get(queue)?.values() ?? [])].reduce((n, l) => n + l.length, 0);
  }

  /** Removes a queue's ready messages (every bucket); resolves to how many. */
  async purge(queue: string): Promise<number> {
    let n = 0;
    for (const l of this.lists.get(queue)?.values() ?? []) n += l.splice(0).length;
    return n;
  }

  /** Deliveries handed out and not yet settled. */
  unsettledCount(): number {
    return this.held.size;
  }

  /** Stops consumers and gives every unsettled delivery back, next to be consumed, flagged redelivered. */
  async close(): Promise<void> {
    for (const c of this.consumers) c.stopped = true;
    this.consumers.clear();
    this.subscriptions.clear();
    for (const [tag, h] of [...this.held]) this.settle(tag, h, 'restore');
  }

  /** Runs the dispatcher soon (after the current call stack). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => { this.scheduled = false; this.pump(); });
  }

  private list(queue: string, bucket: number): KombuMessage[] {
    const byBucket = this.lists.get(queue) ?? new Map<number, KombuMessage[]>();
    this.lists.set(queue, byBucket);
    const l = byBucket.get(bucket) ?? [];
    byBucket.set(bucket, l);
    return l;
  }

  private pump(): void {
    for (const c of this.consumers) {
      while (c.hasCredit()) {
        const found = this.pop(c);
        if (!found) break;
        this.deliver(c, found.queue, found.message);
      }
    }
  }

  /** kombu's order: for each priority step, for each queue in cycle order; the yielding queue goes last. */
  private pop(c: MemoryConsumer): { queue: string; message: KombuMessage } | null {
    for (const step of STEPS) {
      for (const queue of c.cycle) {
        const message = this.lists.get(queue)?.get(step)?.shift();
        if (message) {
          c.cycle = [...c.cycle.filter((q) => q !== queue), queue];
          return { queue, message };
        }
      }
    }
    return null;
  }

  private deliver(c: MemoryConsumer, queue: string, message: KombuMessage): void {
    const tag = String(message.properties.delivery_tag);
    const h: Held = { message, queue, consumer: c, settled: false };
    this.held.set(tag, h);
    c.unsettled++;
    const info = message.properties.delivery_info as { exchange: string; routing_key: string; redelivered?: boolean };
    const settle = async (how: 'ack' | 'requeue'): Promise<void> => { this.settle(tag, h, how); };
    c.onDelivery({
      message, deliveryTag: tag, queue, route: { exchange: info.exchange, routingKey: info.routing_key },
      redelivered: message.headers.redelivered === true || info.redelivered === true,
      ack: () => settle('ack'),
      reject: (requeue) => settle(requeue ? 'requeue' : 'ack'),
    });
  }

  /** ack: forget; requeue: back to the head (consumed last); restore: back to the tail (consumed next). */
  private settle(tag: string, h: Held, how: 'ack' | 'requeue' | 'restore'): void {
    if (h.settled) return;
    h.settled = true;
    if (this.held.get(tag) === h) this.held.delete(tag);
    h.consumer.unsettled--;
    if (how !== 'ack') {
      const info = { ...(h.message.properties.delivery_info as object), redelivered: true };
      const m = { ...h.message, headers: { ...h.message.headers, redelivered: true }, properties: { ...h.message.properties, delivery_info: info } };
      const l = this.list(h.queue, bucketOf(h.message.properties.priority));
      if (how === 'requeue') l.push(m); else l.unshift(m);
    }
    this.schedule();
  }
}
