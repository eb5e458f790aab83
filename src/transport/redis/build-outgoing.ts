import { randomUUID } from 'node:crypto';
import type { KombuMessage, Route } from '../../protocol/kombu-message';

/**
 * What kombu's Redis channel adds to a message it publishes (`basic_publish`): `delivery_info`
 * (exchange and routing key), `priority` (0 when unset), base64 `body_encoding` and a fresh uuid4
 * `delivery_tag`. One builder for every Redis publish: queues, fanout, beat.
 */
export function buildOutgoing(message: KombuMessage, route: Route, deliveryTag: string = randomUUID()): KombuMessage {
  const properties: Record<string, unknown> = { ...message.properties };
  properties.delivery_info = { exchange: route.exchange, routing_key: route.routingKey };
  properties.priority = message.properties.priority ?? 0;
  properties.body_encoding = 'base64';
  properties.delivery_tag = deliveryTag;
  return { ...message, properties };
}
