import { TransportError } from '../../errors/celeriac-error';

/**
 * Celery 5.5+'s native delayed delivery on RabbitMQ (kombu/transport/native_delayed_delivery.py),
 * as pure data: 28 levels, level N a topic exchange `celery_delayed_N` and a queue of that name
 * holding messages 2^N seconds (`x-message-ttl`), then dead-lettering them to level N-1 (level 0 to
 * `celery_delayed_delivery`). A message is published to `celery_delayed_27` with its countdown's 28
 * bits as the first 28 words of its routing key: at each level a `1` bit routes it into that level's
 * queue (it waits 2^N s), a `0` bit straight on to the next level's exchange. The delivery exchange
 * finally routes on the tail (the destination routing key) to the queues bound to it.
 */

/** Number of levels, i.e. bits of the countdown (kombu MAX_NUMBER_OF_BITS_TO_USE). */
export const DELAYED_LEVELS = 28;
/** Longest countdown the levels can encode, in seconds (2^28 - 1, about 8.5 years). */
export const MAX_DELAYED_COUNTDOWN_SEC = 2 ** DELAYED_LEVELS - 1;
/** Where the last level dead-letters to; it routes on the destination routing key (kombu CELERY_DELAYED_DELIVERY_EXCHANGE). */
export const DELAYED_DELIVERY_EXCHANGE = 'celery_delayed_delivery';
/** The exchange a delayed message is published to (the highest level). */
export const DELAYED_ENTRY_EXCHANGE = levelName(DELAYED_LEVELS - 1);

/** Queue type of the level queues (Celery's `broker_native_delayed_delivery_queue_type`). */
export type DelayedQueueType = 'classic' | 'quorum';

/** A binding: `destination` (a queue, or an exchange when `toExchange`) receives what `source` routes with `pattern`. */
export interface DelayedBinding {
  source: string;
  destination: string;
  pattern: string;
  toExchange: boolean;
}

/** Everything `declare_native_delayed_delivery_exchanges_and_queues` declares, in its order. */
export interface DelayedDeliveryTopology {
  /** Topic exchanges, durable (kombu Exchange defaults): the 28 levels then the delivery exchange. */
  exchanges: string[];
  /** Level queues with their arguments, durable (kombu Queue defaults). */
  queues: Array<{ name: string; arguments: Record<string, unknown> }>;
  /** Queue bindings then exchange-to-exchange bindings. */
  bindings: DelayedBinding[];
}

/** `celery_delayed_<level>` (kombu level_name). */
export function levelName(level: number): string {
  if (!Number.isInteger(level) || level < 0) throw new TransportError('CELERIAC_TRANSPORT_BAD_DELAY', `delayed level must be a non-negative integer, got ${level}`);
  return `celery_delayed_${level}`;
}

/**
 * The routing key of a message delayed `countdownSec` whole seconds on its way to `routingKey`:
 * the countdown's 28 binary digits, dot-separated, then the routing key (kombu calculate_routing_key).
 */
export function calculateDelayedRoutingKey(countdownSec: number, routingKey: string): string {
  if (!Number.isInteger(countdownSec) || countdownSec < 1) {
    throw new TransportError('CELERIAC_TRANSPORT_BAD_DELAY', `countdown must be a positive whole number of seconds, got ${countdownSec}`);
  }
  if (routingKey === '') throw new TransportError('CELERIAC_TRANSPORT_BAD_DELAY', 'routing key of a delayed message must be non-empty');
  // As kombu's f'{countdown:028b}': at least 28 digits (a longer countdown gets more and matches no level).
  return `${[...countdownSec.toString(2).padStart(DELAYED_LEVELS, '0')].join('.')}.${routingKey}`;
}

/** The exchanges, level queues and bindings native delayed delivery needs, with kombu's exact arguments. */
export function buildDelayedDeliveryTopology(queueType: DelayedQueueType): DelayedDeliveryTopology {
  const topology: DelayedDeliveryTopology = { exchanges: [], queues: [], bindings: [] };
  let pattern = '1.#';
  for (let level = DELAYED_LEVELS - 1; level >= 0; level--) {
    const name = levelName(level);
    const args: Record<string, unknown> = {
      'x-queue-type': queueType,
      'x-overflow': 'reject-publish',
      'x-message-ttl': 2 ** level * 1000,
      'x-dead-letter-exchange': level > 0 ? levelName(level - 1) : DELAYED_DELIVERY_EXCHANGE,
    };
    if (queueType === 'quorum') args['x-dead-letter-strategy'] = 'at-least-once';
    topology.exchanges.push(name);
    topology.queues.push({ name, arguments: args });
    topology.bindings.push({ source: name, destination: name, pattern, toExchange: false });
    pattern = `*.${pattern}`;
  }
  pattern = '0.#';
  for (let level = DELAYED_LEVELS - 1; level >= 1; level--) {
    topology.bindings.push({ source: levelName(level), destination: levelName(level - 1), pattern, toExchange: true });
    pattern = `*.${pattern}`;
  }
  topology.exchanges.push(DELAYED_DELIVERY_EXCHANGE);
  topology.bindings.push({ source: levelName(0), destination: DELAYED_DELIVERY_EXCHANGE, pattern, toExchange: true });
  return topology;
}

/** A task queue's own declaration, as far as delayed delivery needs it. */
export interface DelayedTarget {
  queue: string;
  exchange: string;
  exchangeType: string;
  routingKey: string;
}

/**
 * The bindings that let the delivery exchange reach a queue. For a topic or fanout exchange, as
 * `bind_queue_to_native_delayed_delivery_exchange`: the queue's exchange bound to the delivery
 * exchange, and the queue to its exchange, both with `#.<routing key>` (the key itself when it
 * already starts with `#`). A direct exchange cannot route those keys, and kombu skips it; celeriac
 * binds such a queue to the delivery exchange itself with `#.<queue>` (only celeriac's own
 * re-publishing of far ETAs uses it: Python producers never delay through a direct exchange).
 */
export function buildDelayedTargetBindings(target: DelayedTarget): DelayedBinding[] {
  if (target.exchangeType === 'direct' || target.exchange === '') {
    return [{ source: DELAYED_DELIVERY_EXCHANGE, destination: target.queue, pattern: `#.${target.queue}`, toExchange: false }];
  }
  const pattern = target.routingKey.startsWith('#') ? target.routingKey : `#.${target.routingKey}`;
  return [
    { source: DELAYED_DELIVERY_EXCHANGE, destination: target.exchange, pattern, toExchange: true },
    { source: target.exchange, destination: target.queue, pattern, toExchange: false },
  ];
}

/**
 * The routing key that brings a message delayed `countdownSec` back to `target` through the
 * delivery exchange (the tail the bindings of buildDelayedTargetBindings match).
 */
export function delayedRoutingKeyFor(target: DelayedTarget, countdownSec: number): string {
  const direct = target.exchangeType === 'direct' || target.exchange === '';
  return calculateDelayedRoutingKey(Math.min(countdownSec, MAX_DELAYED_COUNTDOWN_SEC), direct ? target.queue : target.routingKey);
}
