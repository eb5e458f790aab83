import type { KombuMessage, Route } from '../../protocol/kombu-message';
import type { Delivery, DeliveryRefusal } from '../transport';

/** How a delivery was settled. */
export type Settlement = 'ack' | 'drop' | 'requeue';

/** What settling an already settled delivery returns: nothing to wait for (one shared, resolved promise). */
const ALREADY_SETTLED: Promise<void> = Promise.resolve();

/** A message popped from a Redis list and recorded in `unacked` until settled. */
export class RedisDelivery implements Delivery {
  private settled = false;

  constructor(
    /** The message as kombu models it. */
    readonly message: KombuMessage,
    /** The envelope's `properties.delivery_tag`. */
    readonly deliveryTag: string,
    /** Queue it was popped from. */
    readonly queue: string,
    /** Exchange and routing key from `properties.delivery_info`. */
    readonly route: Route,
    /** True when a restore set the redelivered flags. */
    readonly redelivered: boolean,
    private readonly settle: (delivery: RedisDelivery, how: Settlement) => Promise<void>,
    /** Set when the element could not be decoded (see Delivery.refusal). */
    readonly refusal?: DeliveryRefusal,
  ) {}

  /** True once acked, rejected or given back at close. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Marks it settled without touching Redis; returns false when it already was. */
  claim(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }

  /** Removes it from `unacked` for good. The transport's promise itself: no async wrapper (a promise less per task). */
  ack(): Promise<void> {
    return this.claim() ? this.settle(this, 'ack') : ALREADY_SETTLED;
  }

  /** requeue: back to the head of its queue with redelivered flags; else removed for good. */
  reject(requeue: boolean): Promise<void> {
    return this.claim() ? this.settle(this, requeue ? 'requeue' : 'drop') : ALREADY_SETTLED;
  }
}
