import type { ControlHandler } from '../control-context';

/** `enable_events`: start sending task events. */
export const enableEvents: ControlHandler = (ctx) => {
  if (!ctx.events) return { error: 'events are not enabled on this worker' };
  return { ok: ctx.events.enableTaskEvents() ? 'task events enabled' : 'task events already enabled' };
};

/** `disable_events`: stop sending task events. */
export const disableEvents: ControlHandler = (ctx) => {
  if (!ctx.events) return { ok: 'task events already disabled' };
  return { ok: ctx.events.disableTaskEvents() ? 'task events disabled' : 'task events already disabled' };
};

/** `heartbeat`: send a worker-heartbeat now; the reply value is null, as Python's. */
export const heartbeat: ControlHandler = async (ctx) => {
  await ctx.events?.sendRequestedHeartbeat();
  return null;
};

/** `election`: gossip leader election, which celeriac does not take part in (Python without gossip returns None). */
export const election: ControlHandler = () => null;
