import type { Logger } from 'pino';
import type { RetryCall, TaskContext, TaskRequest } from '../app/task-context';
import { buildRetryMessage } from '../canvas/build-retry-message';
import { Retry } from '../canvas/task-signals';
import { coerceError } from '../errors/coerce-error';
import { markIfExhausted } from './autoretry';
import type { ExecutionDeps } from './execution-deps';
import type { TrackedRequest } from './request-tracker';
import type { ResultContext } from './result-writer';

/** The TaskContext (Celery's `self`) a bound task receives. */
export function buildTaskContext(req: TrackedRequest, deps: ExecutionDeps, rctx: ResultContext, log: Logger,
  limits?: { maxRetries: number | null; defaultRetryDelaySec: number }): TaskContext {
  const { msg, delivery } = req;
  const { policy } = deps;
  const request: TaskRequest = {
    id: msg.id, task: msg.task, args: msg.args, kwargs: msg.kwargs, retries: msg.retries, rootId: msg.rootId,
    parentId: msg.parentId, group: msg.group, groupIndex: msg.groupIndex, eta: msg.eta, expires: msg.expires,
    headers: msg.customHeaders,
    deliveryInfo: { exchange: delivery.route.exchange, routingKey: delivery.route.routingKey, priority: msg.priority, redelivered: delivery.redelivered },
    hostname: policy.hostname, origin: msg.origin, replyTo: msg.replyTo, correlationId: msg.correlationId,
    properties: msg.properties, stampedHeaders: msg.stampedHeaders, stamps: msg.stamps,
  };
  return {
    request,
    signal: req.abort.signal,
    log,
    updateState: async (state, meta) => {
      await deps.writer.markState(rctx, state, meta ?? null);
    },
    retry: (options: RetryCall = {}): never => {
      const ctx = deps.context();
      const planned = markIfExhausted(() => buildRetryMessage(msg, {
        ...(options.countdown !== undefined ? { countdownSec: options.countdown } : {}),
        ...(options.eta !== undefined ? { eta: options.eta } : {}),
        ...(options.args !== undefined ? { args: options.args } : {}),
        ...(options.kwargs !== undefined ? { kwargs: options.kwargs } : {}),
        ...(options.expires !== undefined ? { expires: options.expires } : {}),
        ...(options.timeLimit !== undefined ? { timeLimitSec: options.timeLimit } : {}),
        ...(options.softTimeLimit !== undefined ? { softTimeLimitSec: options.softTimeLimit } : {}),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
        ...(options.queue !== undefined ? { queue: options.queue } : {}),
        // task.retry() defaults come from the task's options, then the app's settings (autoretry.ts).
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : limits ? { maxRetries: limits.maxRetries } : {}),
        ...(limits ? { defaultRetryDelaySec: limits.defaultRetryDelaySec } : {}),
        ...(options.exc !== undefined ? { exc: coerceError(options.exc) } : {}),
        deliveredVia: delivery.route, hostname: ctx.hostname, replyTo: ctx.replyTo,
      }, new Date(policy.now())));
      throw new Retry({ ...planned, exc: options.exc === undefined ? null : coerceError(options.exc) });
    },
  };
}
