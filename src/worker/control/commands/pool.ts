import { NO_REPLY, pythonExceptionText, type ControlHandler } from '../control-context';

/** `pool_grow` (`n`, default 1): raise concurrency. */
export const poolGrow: ControlHandler = (ctx, args) => {
  ctx.controller.resizePool(positiveCount(args.n));
  return { ok: 'pool will grow' };
};

/** `pool_shrink` (`n`, default 1): lower concurrency (never below 1, the controller decides). */
export const poolShrink: ControlHandler = (ctx, args) => {
  ctx.controller.resizePool(-positiveCount(args.n));
  return { ok: 'pool will shrink' };
};

/** `autoscale`: celeriac has no autoscaler, so this fails as a Python worker without `--autoscale`. */
export const autoscale: ControlHandler = (ctx) => ({ error: pythonExceptionText(ctx, 'ValueError', 'Autoscale not enabled') });

/** `pool_restart`: not supported, as a Python worker without `worker_pool_restarts`. */
export const poolRestart: ControlHandler = (ctx) =>
  ({ error: pythonExceptionText(ctx, 'ValueError', 'Pool restarts not enabled') });

/** `add_consumer` (`queue`): start consuming a queue (in the background, as Python's `call_soon`). */
export const addConsumer: ControlHandler = (ctx, args) => {
  const queue = requireQueue(args.queue);
  void ctx.controller.addQueue(queue).catch(() => undefined);
  return { ok: `add consumer ${queue}` };
};

/** `cancel_consumer` (`queue`): stop consuming a queue. */
export const cancelConsumer: ControlHandler = (ctx, args) => {
  const queue = requireQueue(args.queue);
  void ctx.controller.cancelQueue(queue).catch(() => undefined);
  return { ok: `no longer consuming from ${queue}` };
};

/** `shutdown`: warm shutdown; like Python's worker it sends no reply. */
export const shutdown: ControlHandler = (ctx) => {
  ctx.controller.shutdown();
  return NO_REPLY;
};

function positiveCount(value: unknown): number {
  const n = value == null ? 1 : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`n must be a positive integer, got ${String(value)}`);
  return n;
}

function requireQueue(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError('queue must be a non-empty string');
  return value;
}
