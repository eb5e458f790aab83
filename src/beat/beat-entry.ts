import { createHash } from 'node:crypto';
import type { Schedule } from './next-run-at';

/** Where and how an entry's task is published (Celery's `options` of a beat entry). */
export interface BeatEntryOptions {
  /** Queue to put the message on; default the app's default queue (`celery`). */
  queue?: string;
  /** Routing key; on Redis with the default direct exchange it names the queue when `queue` is absent. */
  routingKey?: string;
  /** Exchange recorded in `delivery_info` (Redis routes by queue name, as kombu does for `''`). */
  exchange?: string;
  /** Message priority 0-255 (Redis buckets 0-9 as kombu does). */
  priority?: number;
  /** Seconds after the scheduled time when the task expires; default: the entry's period. */
  expiresSec?: number;
  /** Absolute expiry instead of `expiresSec`. */
  expiresAt?: Date;
  /** Extra message headers (Celery `apply_async(headers=...)`), merged at the top level. */
  headers?: Record<string, unknown>;
}

/** One periodic task, validated: Celery's `beat_schedule[name]` in domain terms. */
export interface BeatEntry {
  /** Entry name (the `beat_schedule` key); identifies its stored last run. */
  name: string;
  /** Registered task name to send. */
  task: string;
  schedule: Schedule;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: BeatEntryOptions;
  /**
   * Hash of what decides run times (schedule and time zone). A stored last run with another
   * fingerprint is ignored, so a changed schedule takes effect on restart as a new entry.
   */
  fingerprint: string;
}

/** Fingerprint of the timing part of an entry: schedule kind + spec + time zone (crontab only). */
export function buildScheduleFingerprint(schedule: Schedule, timeZone: string): string {
  const spec = schedule.kind === 'interval' ? `interval:${schedule.everyMs}` : `crontab:${schedule.crontab.text}@${timeZone}`;
  return createHash('sha256').update(spec).digest('hex').slice(0, 16);
}
