import type { Channel } from 'amqplib';
import type { KombuMessage, Route } from '../../protocol/kombu-message';
import { parsePythonDatetime } from '../../protocol/python-datetime';
import type { AmqpQueueTable, QueueDeclaration } from './amqp-queue-table';
import {
  DELAYED_ENTRY_EXCHANGE, MAX_DELAYED_COUNTDOWN_SEC, buildDelayedDeliveryTopology, buildDelayedTargetBindings,
  calculateDelayedRoutingKey, delayedRoutingKeyFor, type DelayedBinding, type DelayedTarget,
} from './native-delayed-delivery';

/** Broker bookkeeping of dead-lettering: not re-sent when celeriac re-publishes a message. */
const DEAD_LETTER_HEADERS = /^x-(death|first-death-|last-death-)/;

/** A delayed publish: where to, and the queue whose bindings must exist first. */
export interface DelayedPlan {
  route: Route;
  targets: DelayedTarget[];
}

/**
 * Native delayed delivery on one AmqpTransport: declares the `celery_delayed_*` topology and a
 * queue's bindings (once per connection), and plans delayed publishes: as Python's `send_task` (a
 * countdown or ETA to a quorum setup whose exchange is not direct goes through `celery_delayed_27`),
 * and as celeriac's consumer postpones an ETA further than it may hold (to exactly the queue it came from).
 */
export class AmqpDelayedDelivery {
  private topologyReady: Promise<void> | null = null;
  private readonly bound = new Set<string>();

  constructor(private readonly table: AmqpQueueTable) {}

  /** Forget what was declared (a new connection: the broker may have restarted). */
  reset(): void {
    this.topologyReady = null;
    this.bound.clear();
  }

  /** Python's DelayedDelivery bootstep runs when a quorum queue is configured; so do celeriac's declarations. */
  get enabled(): boolean {
    return this.table.quorumDetected;
  }

  /**
   * Python's send_task rule: with a quorum queue configured, a message with an ETA at least a whole
   * second away, routed through a non-direct exchange, goes to `celery_delayed_27` with the
   * countdown's bits before its routing key (the queue's own key when it is routed by queue name).
   */
  planPublish(message: KombuMessage, route: Route, nowMs: number): DelayedPlan | null {
    if (!this.enabled) return null;
    const countdownSec = countdownOf(message, nowMs);
    if (countdownSec === null || countdownSec < 1) return null;
    if (route.exchange === '') {
      const decl = this.table.lookup(route.routingKey);
      if (decl.exchangeType === 'direct') return null;
      const target = targetOf(decl);
      return { route: { exchange: DELAYED_ENTRY_EXCHANGE, routingKey: delayedRoutingKeyFor(target, countdownSec) }, targets: [target] };
    }
    if (this.table.exchangeType(route.exchange) === 'direct' || route.routingKey === '') return null;
    const configured = this.table.configured().filter((q) => q.exchange === route.exchange);
    // A queue created as missing has its own exchange, named after it: bind that one.
    const missing = this.table.lookup(route.exchange);
    const targets = (configured.length > 0 ? configured : missing.exchange === route.exchange ? [missing] : []).map(targetOf);
    const key = calculateDelayedRoutingKey(Math.min(countdownSec, MAX_DELAYED_COUNTDOWN_SEC), route.routingKey);
    return { route: { exchange: DELAYED_ENTRY_EXCHANGE, routingKey: key }, targets };
  }

  /** Where to re-publish a message consumed from `queue` so that it comes back there in `countdownSec`. */
  planPostpone(queue: string, countdownSec: number): DelayedPlan {
    const target = targetOf(this.table.lookup(queue));
    return { route: { exchange: DELAYED_ENTRY_EXCHANGE, routingKey: delayedRoutingKeyFor(target, countdownSec) }, targets: [target] };
  }

  /** Declares the levels (once per connection) and binds each target queue to the delivery exchange. */
  async prepare(ch: Channel, targets: readonly DelayedTarget[]): Promise<void> {
    await this.declareTopology(ch);
    for (const t of targets) {
      for (const b of buildDelayedTargetBindings(t)) {
        const key = `${b.source}>${b.destination}:${b.pattern}:${b.toExchange}`;
        if (this.bound.has(key)) continue;
        await bindOn(ch, b);
        this.bound.add(key);
      }
    }
  }

  /** kombu's declare_native_delayed_delivery_exchanges_and_queues, on `ch`; once per connection. */
  declareTopology(ch: Channel): Promise<void> {
    this.topologyReady ??= (async () => {
      const topology = buildDelayedDeliveryTopology(this.table.delayedQueueType);
      for (const name of topology.exchanges) await ch.assertExchange(name, 'topic', { durable: true, autoDelete: false, internal: false, arguments: {} });
      for (const q of topology.queues) await ch.assertQueue(q.name, { durable: true, exclusive: false, autoDelete: false, arguments: q.arguments });
      for (const b of topology.bindings) await bindOn(ch, b);
    })();
    const ready = this.topologyReady;
    ready.catch(() => { if (this.topologyReady === ready) this.topologyReady = null; });
    return ready;
  }
}

/** The message to re-publish: dead-lettering bookkeeping dropped (RabbitMQ adds its own again). */
export function withoutDeadLetterHeaders(message: KombuMessage): KombuMessage {
  const headers = Object.fromEntries(Object.entries(message.headers).filter(([k]) => !DEAD_LETTER_HEADERS.test(k)));
  return { ...message, headers };
}

/**
 * Whole seconds from `nowMs` until the task message's ETA (protocol 2 `eta` header, ISO 8601;
 * a naive one read as UTC, Celery's default), as Python's int(countdown); null without an ETA.
 */
export function countdownOf(message: KombuMessage, nowMs: number): number | null {
  const eta = etaMsOf(message);
  return eta === null ? null : Math.trunc((eta - nowMs) / 1000);
}

/** The ETA of a task message in epoch ms (protocol 2 header), null when it has none or it cannot be read. */
export function etaMsOf(message: KombuMessage): number | null {
  const raw = message.headers.eta;
  if (typeof raw !== 'string' || raw === '') return null;
  const parsed = parsePythonDatetime(raw);
  const ms = parsed ? parsed.getTime() : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

function targetOf(q: QueueDeclaration): DelayedTarget {
  return { queue: q.name, exchange: q.exchange, exchangeType: q.exchangeType, routingKey: q.routingKey };
}

async function bindOn(ch: Channel, b: DelayedBinding): Promise<void> {
  if (b.toExchange) await ch.bindExchange(b.destination, b.source, b.pattern);
  else await ch.bindQueue(b.destination, b.source, b.pattern);
}
