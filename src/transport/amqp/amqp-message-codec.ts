import type { Message, Options } from 'amqplib';
import type { KombuMessage, Route } from '../../protocol/kombu-message';
import { decodeTable, encodeTable } from './amqp-header-table';

/** kombu's property names (as in KombuMessage.properties) ↔ AMQP basic properties (amqplib's names). */
const PROPERTY_NAMES = [
  ['correlation_id', 'correlationId'], ['reply_to', 'replyTo'], ['expiration', 'expiration'],
  ['message_id', 'messageId'], ['timestamp', 'timestamp'], ['type', 'type'], ['user_id', 'userId'], ['app_id', 'appId'],
] as const;

/** The subset of an amqplib message this codec reads (`ConsumeMessage` / `GetMessage`). */
export interface AmqpIncoming {
  content: Buffer;
  fields: Pick<Message['fields'], 'exchange' | 'routingKey'> & { redelivered?: boolean };
  properties: Message['properties'];
}

/**
 * amqplib publish options for a kombu message, as py-amqp sends them: content type/encoding,
 * typed headers, delivery mode (kombu's default 2, persistent), priority, correlation id, reply-to.
 * The transport-only properties kombu keeps for Redis (`delivery_info`, `body_encoding`,
 * `delivery_tag`) are not AMQP properties and are left out.
 */
export function encodeAmqpPublishOptions(message: KombuMessage): Options.Publish {
  const props = message.properties;
  const options: Options.Publish = {
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: encodeTable(message.headers),
    deliveryMode: typeof props.delivery_mode === 'number' ? props.delivery_mode : 2,
  };
  if (typeof props.priority === 'number') options.priority = Math.max(0, Math.min(255, Math.trunc(props.priority)));
  const target = options as Record<string, unknown>;
  for (const [kombuName, amqpName] of PROPERTY_NAMES) {
    const v = props[kombuName];
    if (v !== undefined && v !== null) target[amqpName] = amqpName === 'timestamp' ? v : String(v);
  }
  return options;
}

/** A delivered AMQP message as a KombuMessage, `delivery_info` filled in as kombu does. */
export function decodeAmqpMessage(msg: AmqpIncoming, queue: string): { message: KombuMessage; route: Route } {
  const p = msg.properties as unknown as Record<string, unknown> & { headers?: Record<string, unknown> };
  const properties: Record<string, unknown> = {
    delivery_mode: p.deliveryMode ?? 1,
    priority: p.priority ?? 0,
    delivery_info: { exchange: msg.fields.exchange, routing_key: msg.fields.routingKey, redelivered: msg.fields.redelivered === true, queue },
  };
  for (const [kombuName, amqpName] of PROPERTY_NAMES) {
    const v = p[amqpName];
    if (v !== undefined && v !== null) properties[kombuName] = v;
  }
  return {
    message: {
      body: msg.content,
      contentType: typeof p.contentType === 'string' ? p.contentType : 'application/data',
      contentEncoding: typeof p.contentEncoding === 'string' ? p.contentEncoding : 'binary',
      headers: decodeTable(p.headers),
      properties,
    },
    route: { exchange: msg.fields.exchange, routingKey: msg.fields.routingKey },
  };
}
