import type { Logger } from 'pino';
import { CanvasSignature, type CanvasApp } from '../app/canvas-signature';
import type { AddToChordOptions, RetryCall, SignatureLike, TaskContext, TaskRequest } from '../app/task-context';
import { buildRetryMessage } from '../canvas/build-retry-message';
import { CanvasError } from '../canvas/canvas-error';
import { buildChordAddition, planReplace } from '../canvas/plan-replace';
import { Replaced, Retry } from '../canvas/task-signals';
import type { SignatureWire } from '../protocol/task-message';
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
    chord: msg.embed.chord ?? null, replacedTaskNesting: msg.replacedTaskNesting,
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
    replace: (sig: SignatureLike): never => {
      // Planned now (a refused replacement fails the task from here); the executor publishes it.
      throw new Replaced(planReplace(msg, wireOf(sig), deps.context()).effects);
    },
    addToChord: ((sig: SignatureLike, options: AddToChordOptions = {}) => addToChord(msg, sig, options, deps)) as TaskContext['addToChord'],
  };
}

function wireOf(sig: SignatureLike): SignatureWire {
  return 'wire' in sig && typeof sig.wire === 'object' && sig.wire !== null ? sig.wire as SignatureWire : sig as SignatureWire;
}

/**
 * `Task.add_to_chord`: the signature gets the request's chord membership and is frozen, the chord's
 * expected size is raised by one (Redis `INCR .t`, as `RedisBackend.add_to_chord`), then it is sent
 * through its app (`sig.delay()`), or returned unsent when lazy.
 */
async function addToChord(msg: TrackedRequest['msg'], sig: SignatureLike, options: AddToChordOptions, deps: ExecutionDeps): Promise<unknown> {
  const { wire } = buildChordAddition(msg, wireOf(sig), deps.context());
  const chords = deps.chords;
  if (!chords?.addToChord) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'add_to_chord needs a result backend that keeps chords (Redis)');
  await chords.addToChord(msg.group as string);
  // by shape, not instanceof: an app module may load another copy of celeriac (sources vs dist)
  const app = 'app' in sig && sig.app && typeof (sig.app as CanvasApp).applyCanvas === 'function' ? sig.app as CanvasApp : null;
  const frozen = new CanvasSignature(wire, app);
  return options.lazy ? frozen : frozen.applyAsync();
}
