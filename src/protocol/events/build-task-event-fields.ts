import type { EventBody } from './encode-event';
import { pyFloat } from './python-float';

/** Task event types a worker sends (Celery's `task-*` worker events). */
export type TaskEventName =
  | 'task-received' | 'task-started' | 'task-succeeded' | 'task-failed' | 'task-retried' | 'task-rejected' | 'task-revoked';

/** What a task event says, camelCase, with every Python repr already computed by the caller. */
export interface TaskEventData {
  /** Task id (`uuid` on the wire). */
  uuid: string;
  /** task-received: task name (shadow name when set). */
  name?: string;
  /** task-received: `repr(args)`, e.g. `(2, 3)` or `[2, 3]` as the producer sent `argsrepr`. */
  argsRepr?: string;
  /** task-received: `repr(kwargs)`, e.g. `{}`. */
  kwargsRepr?: string;
  /** task-received: retries so far. */
  retries?: number;
  /** task-received: ETA / expiry, or null. */
  eta?: Date | null;
  expires?: Date | null;
  /** task-received: workflow ids. */
  rootId?: string | null;
  parentId?: string | null;
  /** task-succeeded: `repr(return value)`. */
  resultRepr?: string;
  /** task-succeeded: seconds the task ran. */
  runtimeSec?: number;
  /** task-failed / task-retried: `repr(exception)`, e.g. `ValueError('boom')`. */
  exceptionRepr?: string;
  /** task-failed / task-retried: traceback text. */
  traceback?: string;
  /** task-rejected: whether the message went back to its queue. */
  requeue?: boolean;
  /** task-revoked: flags and signal name. */
  terminated?: boolean;
  expired?: boolean;
  signum?: string | null;
}

/**
 * The type-specific fields of a task event, in the order Python's worker sends them
 * (`celery/worker/strategy.py` for task-received, `celery/worker/request.py` for the rest).
 */
export function buildTaskEventFields(type: TaskEventName, data: TaskEventData): EventBody {
  const uuid = data.uuid;
  switch (type) {
    case 'task-received':
      return {
        uuid,
        name: data.name ?? '',
        args: data.argsRepr ?? '()',
        kwargs: data.kwargsRepr ?? '{}',
        root_id: data.rootId ?? null,
        parent_id: data.parentId ?? null,
        retries: data.retries ?? 0,
        eta: isoOrNull(data.eta),
        expires: isoOrNull(data.expires),
      };
    case 'task-started':
      return { uuid };
    case 'task-succeeded':
      return { uuid, result: data.resultRepr ?? 'None', runtime: pyFloat(data.runtimeSec ?? 0) };
    case 'task-failed':
    case 'task-retried':
      return { uuid, exception: data.exceptionRepr ?? '', traceback: data.traceback ?? '' };
    case 'task-rejected':
      return { uuid, requeue: data.requeue ?? false };
    case 'task-revoked':
      return { uuid, terminated: data.terminated ?? false, signum: data.signum ?? null, expired: data.expired ?? false };
  }
}

/** Python's `datetime.isoformat()` for an aware UTC datetime: microseconds only when non-zero, `+00:00`. */
export function isoOrNull(date: Date | null | undefined): string | null {
  if (!date) return null;
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  const base = iso.slice(0, 19);
  return ms === 0 ? `${base}+00:00` : `${base}.${String(ms * 1000).padStart(6, '0')}+00:00`;
}
