import { pyFloat } from '../../../protocol/events/python-float';
import type { RequestInfo } from '../../worker-state';
import type { ControlContext } from '../control-context';

/** `Request.info(safe)`: args/kwargs as values, or as Python repr strings when `safe` (Flower uses safe=True). */
export function encodeRequestInfo(ctx: ControlContext, req: RequestInfo, safe: boolean): Record<string, unknown> {
  return {
    id: req.id,
    name: req.name,
    args: safe ? req.argsRepr ?? tupleRepr(ctx, req.args) : req.args,
    kwargs: safe ? req.kwargsRepr ?? ctx.reprs.repr(req.kwargs) : req.kwargs,
    type: req.name,
    hostname: req.hostname,
    time_start: req.timeStartSec === null ? null : pyFloat(req.timeStartSec),
    acknowledged: req.acknowledged,
    delivery_info: {
      exchange: req.deliveryInfo.exchange,
      routing_key: req.deliveryInfo.routingKey,
      priority: req.deliveryInfo.priority,
      redelivered: req.deliveryInfo.redelivered,
    },
    worker_pid: req.timeStartSec === null ? null : req.workerPid,
  };
}

function tupleRepr(ctx: ControlContext, args: readonly unknown[]): string {
  const items = args.map((a) => ctx.reprs.repr(a));
  return items.length === 1 ? `(${items[0] as string},)` : `(${items.join(', ')})`;
}
