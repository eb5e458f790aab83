import type { ControlContext, ControlHandler } from '../control-context';
import { maybeList, pythonEquals } from '../revoked-stamps';
import { isTrue } from './inspect-requests';

/**
 * `revoke_by_stamped_headers` (`headers`: `{name: value or [values]}`, or `['name=value', ...]` from
 * the CLI; `terminate`, `signal`), as Celery's: flags the stamps (a task carrying one is not run when
 * it arrives or comes due), and with terminate aborts the running tasks whose stamps match. Replies
 * `{ok: "headers {...} flagged as revoked, but not terminated"}`, or after terminate
 * `{ok: "headers defaultdict(<class 'set'>, {...}) revoked"}` / `{ok: "headers {...} were not terminated"}`.
 */
export const revokeByStampedHeaders: ControlHandler = (ctx, args) => {
  const headers = readHeaders(args.headers);
  ctx.revokedStamps.add(headers);
  const given = ctx.reprs.repr(headers);
  if (!isTrue(args.terminate)) return { ok: `headers ${given} flagged as revoked, but not terminated` };
  const matched = new Map<string, unknown[]>();
  const ids: string[] = [];
  for (const req of ctx.inspector.activeRequests()) {
    let hit = false;
    for (const header of req.stampedHeaders ?? []) {
      if (!(header in headers)) continue;
      const wanted = maybeList(headers[header]);
      const common = maybeList(req.stamps[header] ?? null).filter((v) => wanted.some((w) => pythonEquals(v, w)));
      if (common.length === 0) continue;
      hit = true;
      const seen = matched.get(header) ?? [];
      for (const v of common) if (!seen.some((s) => pythonEquals(s, v))) seen.push(v);
      matched.set(header, seen);
    }
    if (hit) ids.push(req.id);
  }
  if (ids.length > 0) ctx.controller.terminateRequests(ids, { signal: typeof args.signal === 'string' ? args.signal : 'SIGTERM' });
  if (matched.size === 0) return { ok: `headers ${given} were not terminated` };
  return { ok: `headers defaultdict(<class 'set'>, {${[...matched].map(([h, vs]) => `${ctx.reprs.repr(h)}: ${setRepr(ctx, vs)}`).join(', ')}}) revoked` };
};

/** A dict as sent, or the CLI's `name=value` list (Celery splits each item on `=`). */
function readHeaders(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((item) => {
      const [name = '', text = ''] = String(item).split('=');
      return [name, text];
    }));
  }
  if (value !== null && typeof value === 'object') return value as Record<string, unknown>;
  throw new TypeError('headers must be a mapping of stamp names to values');
}

/** Python's repr of a non-empty set (insertion order; Python's own order follows hashing). */
function setRepr(ctx: ControlContext, values: unknown[]): string {
  return `{${values.map((v) => ctx.reprs.repr(v)).join(', ')}}`;
}
