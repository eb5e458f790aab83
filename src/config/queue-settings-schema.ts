import { z } from 'zod';

const queueType = z.enum(['classic', 'quorum']);
const exchangeType = z.enum(['direct', 'topic', 'fanout', 'headers']);

/** One entry of `task_queues`, as kombu's `Queue.from_dict` reads it (the fields celeriac uses). */
export const queueEntrySchema = z.object({
  /** Exchange name; unset = `task_default_exchange`. */
  exchange: z.string().optional(),
  /** Exchange type when `exchange` is given (kombu's default: direct). */
  exchange_type: exchangeType.optional(),
  /** Binding key; unset = the queue name (dict form) or `task_default_routing_key` (list form, as a kombu Queue). */
  routing_key: z.string().optional(),
  /** Older name of `routing_key` (Celery's `add_compat`). */
  binding_key: z.string().optional(),
  /** Queue declaration arguments, e.g. `{"x-queue-type": "quorum"}`. */
  queue_arguments: z.record(z.string(), z.unknown()).optional(),
});

/** A value that may come as JSON text (the environment): text that is not JSON is refused as such, with the parser's reason. */
const jsonValue = <T extends z.ZodType>(schema: T) => z.unknown().transform((v, ctx) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not valid JSON (${(err as Error).message})` });
    return z.NEVER;
  }
}).pipe(schema);

/**
 * Celery's queue and exchange settings (celery/app/defaults.py, 5.5+), read by the AMQP transport to
 * declare queues exactly as Python's `app.amqp.queues` does (quorum queues, exchange types) and to
 * decide on native delayed delivery. The Redis transport ignores them, as kombu's Redis transport does.
 */
export const queueSettingsShape = {
  /** Declared task queues, Celery's dict form `{"name": {...}}` or a list of `{"name": ..., ...}` (kombu Queue). JSON in the environment. */
  task_queues: jsonValue(z.union([
    z.record(z.string(), queueEntrySchema),
    z.array(queueEntrySchema.extend({ name: z.string().min(1) })),
  ], { error: 'expected {"<queue>": {exchange?, exchange_type?, routing_key?, queue_arguments?: {...}}} '
    + 'or a list of such objects with a "name"' })).optional(),
  /** Type of the default queue when `task_queues` is unset (Celery 5.5). */
  task_default_queue_type: queueType.default('classic'),
  /** Exchange of queues that name none; unset = `task_default_queue`. */
  task_default_exchange: z.string().min(1).optional(),
  /** Type of `task_default_exchange`. Native delayed delivery needs `topic` (or fanout). */
  task_default_exchange_type: exchangeType.default('direct'),
  /** Binding key of list-form queues that name none; unset = `task_default_queue`. */
  task_default_routing_key: z.string().min(1).optional(),
  /** Type of a queue consumed or routed to but not declared in `task_queues` (Celery 5.6). */
  task_create_missing_queue_type: queueType.default('classic'),
  /** Exchange type of such a queue (its exchange is named after it); unset = direct. */
  task_create_missing_queue_exchange_type: exchangeType.optional(),
  /** Type of the `celery_delayed_*` queues of native delayed delivery (Celery 5.5). */
  broker_native_delayed_delivery_queue_type: queueType.default('quorum'),
  /** With a quorum queue configured: per-consumer prefetch and native delayed delivery, as Celery 5.5 (always per-consumer in celeriac). */
  worker_detect_quorum_queues: z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((v) => v === true || v === 'true' || v === '1').default(true),
};

/** The settings above, validated. */
export type QueueSettings = z.output<z.ZodObject<typeof queueSettingsShape>>;
