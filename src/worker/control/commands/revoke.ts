import type { ControlContext, ControlHandler } from '../control-context';
import { isTrue, toList } from './inspect-requests';

/**
 * `revoke` (`task_id`: id or list, `terminate`, `signal`): remember the ids (a revoked task that
 * arrives later is not run), and with terminate abort the running ones. Replies as Celery's `_revoke`.
 */
export const revoke: ControlHandler = (ctx, args) =>
  revokeIds(ctx, toList(args.task_id), isTrue(args.terminate), typeof args.signal === 'string' ? args.signal : undefined);

/** `terminate` (`signal`, `task_id`): revoke with terminate. */
export const terminate: ControlHandler = (ctx, args) =>
  revokeIds(ctx, toList(args.task_id), true, typeof args.signal === 'string' ? args.signal : undefined);

function revokeIds(ctx: ControlContext, ids: string[], terminate: boolean, signal: string | undefined): unknown {
  const unique = [...new Set(ids)];
  for (const id of unique) ctx.revoked.add(id);
  const running = ctx.controller.revoke(unique, { terminate, signal: signal ?? 'SIGTERM' });
  if (terminate) {
    return { ok: running.length === 0 ? 'terminate: tasks unknown' : `terminate: ${running.join(', ')}` };
  }
  return { ok: `tasks ${pythonSetRepr(ctx, unique)} flagged as revoked` };
}

/** `revoked`: remembered revoked ids, oldest first. */
export const revoked: ControlHandler = (ctx) => ctx.revoked.ids();

/**
 * `hello` (`from_node`, `revoked`): mingle sync. Ignored (null) when it comes from ourselves;
 * otherwise merge the peer's revoked map, purge, and answer ours with a forwarded clock.
 */
export const hello: ControlHandler = (ctx, args) => {
  if (args.from_node === ctx.inspector.hostname) return null;
  if (args.revoked !== null && typeof args.revoked === 'object' && !Array.isArray(args.revoked)) {
    ctx.revoked.update(args.revoked as Record<string, unknown>);
  }
  ctx.revoked.purge();
  return { revoked: ctx.revoked.toWire(), clock: ctx.clock.forward() };
};

/** Python's repr of a set of strings: `{'a', 'b'}`, or `set()` when empty. */
function pythonSetRepr(ctx: ControlContext, ids: string[]): string {
  return ids.length === 0 ? 'set()' : `{${ids.map((id) => ctx.reprs.repr(id)).join(', ')}}`;
}
