import type { KombuMessage, Route } from '../protocol/kombu-message';

/** Why the transport could not turn what the broker gave it into a message (the worker refuses it). */
export interface DeliveryRefusal {
  /** Stable code, e.g. `CELERIAC_PROTOCOL_BAD_ENVELOPE`. */
  code: string;
  /** One-line human reason. */
  reason: string;
  /** Task id, when it could be read from the damaged message (a FAILURE is stored under it). */
  taskId?: string;
  /** Task name, when it could be read. */
  taskName?: string;
  /** Set when the transport already moved the message, whole, to this poison queue: do not copy it again. */
  keptIn?: string;
}

/**
 * One message handed to a consumer. It stays unacknowledged (recoverable by any worker after a
 * crash) until `ack()` or `reject()` settles it. Settling twice is a no-op.
 */
export interface Delivery {
  /** The message as kombu models it. */
  readonly message: KombuMessage;
  /** Broker delivery tag (Redis: the envelope's uuid `delivery_tag`; AMQP: the channel's tag). */
  readonly deliveryTag: string;
  /** Queue it was consumed from. */
  readonly queue: string;
  /** Exchange and routing key it was published with. */
  readonly route: Route;
  /** True when the broker gave it back after a restore/requeue. */
  readonly redelivered: boolean;
  /**
   * Present when the message could not be decoded at the broker level (envelope, size): `message`
   * then holds the raw bytes as its body. The worker refuses it (FAILURE when an id is readable,
   * poison queue unless `keptIn`, then `reject(false)`).
   */
  readonly refusal?: DeliveryRefusal;
  /** Done with it: remove it from the broker for good. */
  ack(): Promise<void>;
  /** Refuse it: `requeue` true puts it back in its queue, false drops it (as kombu's reject). */
  reject(requeue: boolean): Promise<void>;
}

/** A running subscription created by `Transport.consume`. */
export interface Consumer {
  /** Start consuming from one more queue. */
  addQueue(queue: string): Promise<void>;
  /** Stop consuming from a queue (messages already delivered stay as they are). */
  cancelQueue(queue: string): Promise<void>;
  /** Current queues, in the order given. */
  queues(): readonly string[];
  /**
   * Maximum number of delivered-but-unsettled messages (broker-side prefetch / QoS). 0 = unlimited.
   * AMQP: a per-consumer basic.qos, so the bound is per queue and applies to consumers started later.
   */
  setPrefetch(count: number): void;
  /** Stop fetching; deliveries already handed out stay valid and can still be settled. Idempotent. */
  stop(): Promise<void>;
}

/** A message received through a fanout (broadcast) subscription. */
export interface FanoutMessage {
  message: KombuMessage;
  exchange: string;
  routingKey: string;
}

/**
 * The broker contract: a handful of primitives (as kombu's virtual transport reduces a broker to),
 * shaped to suit both Redis emulation and AMQP's push consumers.
 */
export interface Transport {
  /** Connect; throws TransportError with a clear message when the broker cannot be reached. */
  connect(): Promise<void>;
  /** Declare `queue` bound to `exchange` with `routingKey` (Redis: the `_kombu.binding.*` member). */
  declareQueue(queue: string, route: Route): Promise<void>;
  /** Push deliveries from `queues` to `onDelivery`, at most `prefetch` unsettled at once (0 = unlimited). */
  consume(queues: readonly string[], prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<Consumer>;
  /** Publish a message; exchange `''` means the routing key names the queue. */
  publish(message: KombuMessage, route: Route): Promise<void>;
  /** Broadcast on a fanout exchange (events, pidbox). */
  publishFanout(exchange: string, routingKey: string, message: KombuMessage): Promise<void>;
  /** Receive broadcasts on `exchange` whose routing key matches `pattern` (`#`/`*` wildcards). Returns an unsubscribe. */
  subscribeFanout(exchange: string, pattern: string, onMessage: (msg: FanoutMessage) => void): Promise<() => Promise<void>>;
  /** Number of ready messages in a queue (all priority levels). */
  queueLength(queue: string): Promise<number>;
  /** Deletes every ready message of a queue (all priority levels) and resolves to how many (kombu's `queue_purge`); unacked deliveries stay. */
  purge(queue: string): Promise<number>;
  /** Give every unsettled delivery of this transport back to its queue, then disconnect. Idempotent. */
  close(): Promise<void>;
}
