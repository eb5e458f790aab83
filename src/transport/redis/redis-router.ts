import type Redis from 'ioredis';
import type { RedisKeys } from './redis-keys';

/** Queues a message published to (exchange, routing key) goes to, as kombu `Channel._lookup` finds them. */
export type RedisLookup = (exchange: string, routingKey: string) => Promise<string[]>;

/**
 * Exchange `''`: the routing key is the queue. A named exchange: the `_kombu.binding.<exchange>`
 * members whose routing key equals (direct) or whose kombu topic regex matches (topic members carry
 * a pattern). No match: no queue (kombu drops the message when no dead-letter queue is set).
 */
export function createRedisLookup(client: Redis, keys: RedisKeys): RedisLookup {
  return async (exchange, routingKey) => {
    if (!exchange) return [routingKey];
    const members = await client.smembers(keys.bindingKey(exchange));
    const queues = new Set<string>();
    for (const member of members) {
      const b = keys.parseBindingMember(member);
      if (b.pattern ? matchesPattern(b.pattern, routingKey) : b.routingKey === routingKey) queues.add(b.queue);
    }
    return [...queues];
  };
}

function matchesPattern(pattern: string, routingKey: string): boolean {
  try {
    return new RegExp(pattern).test(routingKey);
  } catch {
    return false;
  }
}
