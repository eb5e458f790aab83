import type { Options } from 'amqplib';

/** One exchange declaration, with the arguments kombu uses for it. */
export interface ExchangeSpec {
  name: string;
  type: 'direct' | 'topic' | 'fanout' | 'headers';
  options: Options.AssertExchange;
}

/** One queue declaration, with the arguments kombu uses for it. */
export interface QueueSpec {
  name: string;
  options: Options.AssertQueue;
}

/** Celery's remote-control broadcast exchange (kombu Mailbox('celery', type='fanout')). */
export const PIDBOX_EXCHANGE = 'celery.pidbox';
/** Where pidbox replies go (kombu Mailbox reply exchange, direct). */
export const PIDBOX_REPLY_EXCHANGE = 'reply.celery.pidbox';
/** Celery's events exchange (celery/events/event.py: Exchange('celeryev', type='topic')). */
export const EVENT_EXCHANGE = 'celeryev';

/** Seconds kombu lets an idle pidbox reply queue live (Mailbox reply_queue_expires=10.0). */
const REPLY_QUEUE_EXPIRES_MS = 10_000;

/**
 * The declaration of an exchange by name, exactly as kombu declares it for Celery, so that Python
 * peers declaring the same name never get 406 PRECONDITION_FAILED: the mailbox exchanges are
 * non-durable (kombu/pidbox.py `_get_exchange`, `_get_reply_exchange`), `celeryev` is a durable topic
 * exchange, any other exchange a durable one of `taskType` (Celery's `Exchange(name, type)` of a task
 * queue, direct unless configured: AmqpQueueTable); `kind` broadcast makes any other exchange a topic
 * one (`publishFanout`/`subscribeFanout` patterns).
 */
export function buildExchangeSpec(name: string, kind: 'task' | 'broadcast', taskType: ExchangeSpec['type'] = 'direct'): ExchangeSpec {
  const plain = { durable: true, autoDelete: false, internal: false, arguments: {} };
  if (name === PIDBOX_EXCHANGE) return { name, type: 'fanout', options: { ...plain, durable: false } };
  if (name === PIDBOX_REPLY_EXCHANGE) return { name, type: 'direct', options: { ...plain, durable: false } };
  if (name === EVENT_EXCHANGE) return { name, type: 'topic', options: plain };
  return { name, type: kind === 'broadcast' ? 'topic' : taskType, options: plain };
}

/**
 * A task queue as Celery declares it (celery/app/amqp.py Queues + kombu Queue defaults): durable, not
 * exclusive, not auto-delete, with the arguments Celery's queue table gives it (`x-queue-type`,
 * `x-max-priority`: AmqpQueueTable). A pidbox reply queue (bound to `reply.celery.pidbox`) as kombu's
 * `Mailbox.get_reply_queue`: transient, auto-delete, x-expires 10 s.
 */
export function buildQueueSpec(name: string, exchange: string, queueArguments: Record<string, unknown>): QueueSpec {
  if (exchange === PIDBOX_REPLY_EXCHANGE) {
    return { name, options: { durable: false, exclusive: false, autoDelete: true, arguments: { 'x-expires': REPLY_QUEUE_EXPIRES_MS } } };
  }
  return { name, options: { durable: true, exclusive: false, autoDelete: false, arguments: { ...queueArguments } } };
}

/**
 * A broadcast receiver's queue (a worker's pidbox node, an event receiver): server-named, exclusive
 * to its connection (RabbitMQ 4.3 requires transient queues to be exclusive), gone with it.
 */
export const BROADCAST_QUEUE_OPTIONS: Options.AssertQueue = { durable: false, exclusive: true, autoDelete: true };
