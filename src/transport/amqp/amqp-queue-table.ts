import type { QueueSettings } from '../../config/queue-settings-schema';
import type { DelayedQueueType } from './native-delayed-delivery';

/** One task queue as Python Celery's `app.amqp.queues` declares it on RabbitMQ. */
export interface QueueDeclaration {
  name: string;
  /** Its exchange (durable, not auto-delete). */
  exchange: string;
  exchangeType: 'direct' | 'topic' | 'fanout' | 'headers';
  /** Binding key of the queue on its exchange. */
  routingKey: string;
  /** Queue arguments (`x-queue-type`, `x-max-priority`, ...); `{}` when none. */
  arguments: Record<string, unknown>;
}

/** The settings a queue table is built from: Celery's queue settings plus the default queue. */
export type QueueTableSettings = Partial<QueueSettings> & { task_default_queue?: string };

/**
 * Celery's queue table (celery/app/amqp.py `Queues`) without Python: `task_queues` entries (dict form
 * as `add_compat`, list form as kombu `Queue`), else the default queue typed by
 * `task_default_queue_type`; any other queue as `Queues.new_missing` (its own exchange, named after
 * it, `task_create_missing_queue_*`). `task_queue_max_priority` (the transport's `max_priority`) adds
 * `x-max-priority` to queues that set none. Pure.
 */
export class AmqpQueueTable {
  private readonly declared = new Map<string, QueueDeclaration>();
  private readonly settings: QueueTableSettings;
  /** True when a quorum queue is configured (Celery's detect_quorum_queues, missing queues included). */
  readonly quorumDetected: boolean;
  /** Level queue type for native delayed delivery. */
  readonly delayedQueueType: DelayedQueueType;

  constructor(settings: QueueTableSettings, private readonly maxPriority?: number) {
    this.settings = settings;
    const defaultQueue = settings.task_default_queue ?? 'celery';
    const defaultExchange = settings.task_default_exchange ?? defaultQueue;
    const defaultType = settings.task_default_exchange_type ?? 'direct';
    const defaultKey = settings.task_default_routing_key ?? defaultQueue;
    const entries = settings.task_queues;
    if (entries === undefined || (Array.isArray(entries) ? entries.length === 0 : Object.keys(entries).length === 0)) {
      const args = settings.task_default_queue_type === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
      this.add({ name: defaultQueue, exchange: defaultExchange, exchangeType: defaultType, routingKey: defaultKey, arguments: args });
    } else if (Array.isArray(entries)) {
      for (const e of entries) {
        const named = e.exchange !== undefined && e.exchange !== '';
        this.add({ name: e.name, exchange: named ? e.exchange as string : defaultExchange,
          exchangeType: named ? e.exchange_type ?? 'direct' : defaultType,
          routingKey: e.routing_key || e.binding_key || defaultKey, arguments: { ...e.queue_arguments } });
      }
    } else {
      for (const [name, e] of Object.entries(entries)) {
        const named = e.exchange !== undefined && e.exchange !== '';
        this.add({ name, exchange: named ? e.exchange as string : defaultExchange,
          exchangeType: named ? e.exchange_type ?? 'direct' : defaultType,
          routingKey: e.routing_key ?? e.binding_key ?? name, arguments: { ...e.queue_arguments } });
      }
    }
    this.quorumDetected = [...this.declared.values()].some((q) => q.arguments['x-queue-type'] === 'quorum')
      || settings.task_create_missing_queue_type === 'quorum';
    this.delayedQueueType = settings.broker_native_delayed_delivery_queue_type ?? 'quorum';
  }

  /** The declaration of a queue: configured, else created as Celery creates a missing one. */
  lookup(name: string): QueueDeclaration {
    const known = this.declared.get(name);
    if (known) return known;
    const args: Record<string, unknown> = this.settings.task_create_missing_queue_type === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
    return this.withPriority({ name, exchange: name, exchangeType: this.settings.task_create_missing_queue_exchange_type ?? 'direct',
      routingKey: name, arguments: args });
  }

  /** Whether `task_queues` (or the default queue) declares this queue. */
  isConfigured(name: string): boolean {
    return this.declared.has(name);
  }

  /** Every configured queue (Python's DelayedDelivery bootstep binds them all). */
  configured(): QueueDeclaration[] {
    return [...this.declared.values()];
  }

  /** The type of an exchange: as a configured queue declares it, else as Celery creates a missing queue's exchange. */
  exchangeType(exchange: string): QueueDeclaration['exchangeType'] {
    for (const q of this.declared.values()) if (q.exchange === exchange) return q.exchangeType;
    if (exchange === (this.settings.task_default_exchange ?? this.settings.task_default_queue ?? 'celery')) {
      return this.settings.task_default_exchange_type ?? 'direct';
    }
    // Any other exchange is a missing queue's own (named after it).
    return this.settings.task_create_missing_queue_exchange_type ?? 'direct';
  }

  private add(q: QueueDeclaration): void {
    this.declared.set(q.name, this.withPriority(q));
  }

  private withPriority(q: QueueDeclaration): QueueDeclaration {
    if (this.maxPriority === undefined || 'x-max-priority' in q.arguments) return q;
    return { ...q, arguments: { ...q.arguments, 'x-max-priority': this.maxPriority } };
  }
}
