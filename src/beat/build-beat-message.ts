import { createHash, randomUUID } from 'node:crypto';
import { encodeTaskMessage } from '../protocol/encode-task-message';
import { encodeRedisEnvelope } from '../protocol/redis-envelope';
import type { DueRun } from './scheduler';

/** Who is sending: fills `origin` and `reply_to` the way a Python producer does. */
export interface BeatSender {
  /** Producer node name, `gen<pid>@<host>`. */
  origin: string;
  /** Client oid used as `reply_to` (one per process, like Celery's `app.thread_oid`). */
  replyTo: string;
  /** Queue used when an entry names neither `queue` nor `routing_key` (Celery `task_default_queue`). */
  defaultQueue: string;
  /** Redis list key for a queue and message priority, as the transport names it (`RedisKeys.queueKey` of its bucket). */
  queueKey(queue: string, priority: number): string;
}

/** A run ready for the broker: the Redis list key, the envelope text, and the task id. */
export interface BeatDelivery {
  /** Task id: derived from entry name + scheduled time, so a run has one id wherever it is sent from. */
  taskId: string;
  queue: string;
  /** The list key the envelope is LPUSHed on: the queue, or its priority bucket key. */
  listKey: string;
  envelope: string;
}

/**
 * Builds the protocol v2 message for a due run and its kombu Redis envelope, as Celery's
 * `send_task` + kombu's Redis `Channel._put` would (spec §1.2-1.4, §2.2-2.3). Pure: `now`, the
 * delivery tag and the fence come in. The fence goes in header `celeriac_beat_fence`; Python workers
 * ignore unknown headers.
 */
export function buildBeatDelivery(run: DueRun, sender: BeatSender, fence: number, now: Date, deliveryTag: string = randomUUID()): BeatDelivery {
  const { entry } = run;
  const taskId = buildRunTaskId(entry.name, run.runAt);
  const queue = entry.options.queue ?? entry.options.routingKey ?? sender.defaultQueue;
  const priority = entry.options.priority ?? 0;
  const message = encodeTaskMessage({
    task: entry.task, id: taskId, args: entry.args, kwargs: entry.kwargs, expires: run.expiresAt,
    origin: sender.origin, replyTo: sender.replyTo, priority,
    customHeaders: { ...entry.options.headers, celeriac_beat_fence: fence },
  }, now);
  // kombu's Redis Channel._put adds these; keep its key order (priority after delivery_info, spec §2.2).
  const { priority: wirePriority, ...before } = message.properties;
  message.properties = {
    ...before,
    delivery_info: { exchange: entry.options.exchange ?? '', routing_key: entry.options.routingKey ?? queue },
    priority: wirePriority, body_encoding: 'base64', delivery_tag: deliveryTag,
  };
  return { taskId, queue, listKey: sender.queueKey(queue, priority), envelope: encodeRedisEnvelope(message) };
}

/**
 * The task id of one scheduled run: a UUID (version 8, RFC 9562 custom) from SHA-256 of entry name and
 * scheduled time. Identical for every beat that might send the run, so consumers can de-duplicate.
 */
export function buildRunTaskId(entryName: string, runAt: Date): string {
  const b = createHash('sha256').update(`${entryName}\n${runAt.toISOString()}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
