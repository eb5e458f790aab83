import type { RequestInfo } from '../../worker-state';
import type { ControlHandler } from '../control-context';
import { formatPythonDatetime } from '../../../protocol/python-datetime';
import { encodeRequestInfo } from './request-info';

/** Celery's timer priority for ETA entries (`call_at(..., priority=6)`), reported by `scheduled`. */
const ETA_TIMER_PRIORITY = 6;

/** `active` (`safe`): requests executing now. */
export const active: ControlHandler = (ctx, args) =>
  ctx.inspector.activeRequests().map((r) => encodeRequestInfo(ctx, r, isTrue(args.safe)));

/** `reserved`: received, waiting for a slot (not ETA, not active). */
export const reserved: ControlHandler = (ctx) =>
  ctx.inspector.reservedRequests().map((r) => encodeRequestInfo(ctx, r, false));

/** `scheduled`: requests held until their ETA, as `{eta, priority, request}`. */
export const scheduled: ControlHandler = (ctx) =>
  ctx.inspector.scheduledRequests().map((r) => ({
    // the message's own microseconds, as `eta.isoformat()` (the decoder keeps them on a PythonDatetime)
    eta: r.eta ? formatPythonDatetime(r.eta) : null,
    priority: ETA_TIMER_PRIORITY,
    request: encodeRequestInfo(ctx, { ...r, timeStartSec: null, acknowledged: false }, false),
  }));

/** `query_task` (`ids`: id or list): `{id: [state, info]}` for ids this worker holds. */
export const queryTask: ControlHandler = (ctx, args) => {
  const wanted = new Set(toList(args.ids));
  const out: Record<string, [string, Record<string, unknown>]> = {};
  const add = (state: string, reqs: RequestInfo[]): void => {
    for (const r of reqs) if (wanted.has(r.id) && !(r.id in out)) out[r.id] = [state, encodeRequestInfo(ctx, r, false)];
  };
  add('active', ctx.inspector.activeRequests());
  // Python 5.6 lists only requests in worker_state (active or reserved); an ETA-held request enters it
  // when due, so query_task does not report it (measured against a real Python worker).
  add('reserved', ctx.inspector.reservedRequests());
  return out;
};

/** Celery's `maybe_list`: a scalar becomes a one-item list, null an empty one. */
export function toList(value: unknown): string[] {
  if (value == null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Celery's `strtobool`-ish reading of a flag sent as bool or string. */
export function isTrue(value: unknown): boolean {
  if (typeof value === 'string') return ['1', 'true', 'yes', 'on', 'y', 't'].includes(value.toLowerCase());
  return value === true || value === 1;
}
