import { createHash } from 'node:crypto';
import type { KombuMessage, Route } from '../protocol/kombu-message';
import { encodeTaskMessage } from '../protocol/encode-task-message';
import type { DueRun } from './scheduler';

/** Who is sending: fills `origin` and `reply_to` the way a Python producer does. */
export interface BeatSender {
  /** Producer node name, `gen<pid>@<host>`. */
  origin: string;
  /** Client oid used as `reply_to` (one per process, like Celery's `app.thread_oid`). */
  replyTo: string;
  /** Queue used when an entry names neither `queue` nor `routing_key` (Celery `task_default_queue`). */
  defaultQueue: string;
}

/** A run ready for the broker: the task message, where it goes, and its task id. */
export interface BeatMessage {
  /** Task id: derived from entry name + scheduled time, so a run has one id wherever it is sent from. */
  taskId: string;
  /** Queue the run is sent to. */
  queue: string;
  /** Exchange and routing key, as Celery's `send_task` would route the entry. */
  route: Route;
  /** The protocol v2 message; the broker's own properties (delivery tag, ...) are the transport's. */
  message: KombuMessage;
}

/**
 * Builds the protocol v2 message for a due run, as Celery's `send_task` would (spec §1.2-1.4). Pure:
 * `now` and the fence come in. The fence goes in header `celeriac_beat_fence`; Python workers ignore
 * unknown headers.
 */
export function buildBeatMessage(run: DueRun, sender: BeatSender, fence: number, now: Date): BeatMessage {
  const { entry } = run;
  const taskId = buildRunTaskId(entry.name, run.runAt);
  const queue = entry.options.queue ?? entry.options.routingKey ?? sender.defaultQueue;
  const message = encodeTaskMessage({
    task: entry.task, id: taskId, args: entry.args, kwargs: entry.kwargs, expires: run.expiresAt,
    origin: sender.origin, replyTo: sender.replyTo, priority: entry.options.priority ?? 0,
    customHeaders: { ...entry.options.headers, celeriac_beat_fence: fence },
  }, now);
  return { taskId, queue, route: { exchange: entry.options.exchange ?? '', routingKey: entry.options.routingKey ?? queue }, message };
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
