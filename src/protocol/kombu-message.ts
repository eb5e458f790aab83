/**
 * A broker-neutral message as kombu models it: body bytes plus metadata. Transports turn their wire
 * framing (the Redis JSON envelope, AMQP frames) into this, and back.
 * Header and property keys keep their wire names here on purpose: this is the wire layer.
 */
export interface KombuMessage {
  /** Serialized body bytes (base64 already removed; still compressed when `headers.compression` is set). */
  body: Buffer;
  /** MIME type of the body, e.g. `application/json`. */
  contentType: string;
  /** Charset or `binary`, e.g. `utf-8`. */
  contentEncoding: string;
  /** Message headers, wire names (`task`, `id`, `root_id`, ... for Celery task messages). */
  headers: Record<string, unknown>;
  /** Message properties, wire names (`correlation_id`, `reply_to`, `priority`, `delivery_info`, ...). */
  properties: Record<string, unknown>;
}

/** Where a message is published: kombu's (exchange, routing key) pair. Exchange `''` = routing key is the queue. */
export interface Route {
  exchange: string;
  routingKey: string;
}
