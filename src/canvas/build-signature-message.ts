import { randomUUID } from 'node:crypto';
import type { KombuMessage, Route } from '../protocol/kombu-message';
import type { SignatureWire, TaskMessage } from '../protocol/task-message';
import { CanvasError } from './canvas-error';
import { encodeOutgoingTask, isoUtc } from './encode-outgoing-task';
import { pythonRepr } from './python-repr';
import { toSignatureList, type Signature } from './signature';

/** Where a task goes when its options name no queue/exchange (`task_routes`, then the default queue). */
export type TaskRouteResolver = (taskName: string) => Route & { priority?: number };

/** One message ready to publish. */
export interface PlannedMessage {
  message: KombuMessage;
  route: Route;
  taskId: string;
}

/** What the publisher knows when it applies a signature. */
export interface SignatureApplyContext {
  /** The running task that publishes it (sets `parent_id`/`root_id`); null for a client. */
  parent: TaskMessage | null;
  /** Prepended to the signature's args unless it is immutable (the parent's result, a chord's results...). */
  prependArgs?: unknown[];
  /** Call options (Celery names) merged over the signature's own, e.g. `chain`, `group_id`, `group_index`. */
  options?: Record<string, unknown>;
  now: Date;
  /** Publisher node name written as `origin` (Python workers write `gen<pid>@<host>`). */
  hostname: string;
  /** `reply_to` when the signature has none (Python: the publishing process's oid). */
  replyTo: string;
  /** Routing for signatures without queue/exchange options; default queue `celery`. */
  router?: TaskRouteResolver;
  /** Id generator (uuid4 by default), injectable for tests. */
  newId?: () => string;
}

/** Option keys whose signature value wins over call options (`Signature._IMMUTABLE_OPTIONS`). */
const IMMUTABLE_OPTIONS = ['group_id', 'stamped_headers'];

/**
 * Emulates `Signature.apply_async` → `Task.apply_async` → `app.send_task` → `as_task_v2` for a
 * plain-task signature (subtask_type null), as a Python worker does when it publishes a follow-up:
 * merges args and options, sets `parent_id`/`root_id` from the parent, maps options to headers,
 * properties, embed and route (spec §4.1).
 */
export function buildSignatureMessage(sig: Signature, ctx: SignatureApplyContext): PlannedMessage {
  if (sig.subtaskType !== null) {
    throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', `buildSignatureMessage applies plain task signatures only, got subtask_type "${sig.subtaskType}" (${sig.task})`);
  }
  const o = mergeOptions(sig, ctx);
  const merged = !sig.immutable && (ctx.prependArgs?.length ?? 0) > 0;
  const args = merged ? [...(ctx.prependArgs ?? []), ...sig.args] : sig.args;
  const taskId = str(o.task_id, 'task_id') ?? (ctx.newId ?? randomUUID)();
  const stampedHeaders = Array.isArray(o.stamped_headers) ? (o.stamped_headers as string[]) : null;
  const stamps: Record<string, unknown> = {};
  for (const key of stampedHeaders ?? []) stamps[key] = o[key];
  const { eta, expires, expirationMs } = timing(o, ctx.now);
  const routed = resolveRoute(sig.task, o, ctx.router);
  const origin = str(o.origin, 'origin');
  const message = encodeOutgoingTask({
    id: taskId,
    task: sig.task,
    args,
    kwargs: sig.kwargs,
    // Python renders args it re-merged as a tuple and passes a signature's own args (a JSON list) unchanged.
    argsRepr: pythonRepr(args, { asTuple: merged }),
    shadow: str(o.shadow, 'shadow'),
    eta,
    expires,
    group: str(o.group_id, 'group_id'),
    groupIndex: int(o.group_index, 'group_index'),
    retries: int(o.retries, 'retries') ?? 0,
    timeLimitSec: { hard: num(o.time_limit, 'time_limit'), soft: num(o.soft_time_limit, 'soft_time_limit') },
    rootId: str(o.root_id, 'root_id') || taskId,
    parentId: str(o.parent_id, 'parent_id'),
    origin: origin ?? ctx.hostname,
    ignoreResult: o.ignore_result === true,
    replacedTaskNesting: int(o.replaced_task_nesting, 'replaced_task_nesting') ?? 0,
    stampedHeaders,
    stamps,
    extraHeaders: record(o.headers, 'headers'),
    embed: {
      callbacks: toSignatureList(o.link, 'options.link'),
      errbacks: toSignatureList(o.link_error, 'options.link_error'),
      chain: (o.chain as SignatureWire[] | undefined) ?? null,
      chord: (o.chord as SignatureWire | undefined) ?? null,
    },
    replyTo: str(o.reply_to, 'reply_to') ?? ctx.replyTo,
    priority: int(o.priority, 'priority') ?? routed.priority ?? 0,
    expirationMs,
    originProperty: origin,
  });
  return { message, route: { exchange: routed.exchange, routingKey: routed.routingKey }, taskId };
}

/** `Signature._merge` of options plus the parent defaults `send_task` fills in; null call options are dropped. */
function mergeOptions(sig: Signature, ctx: SignatureApplyContext): Record<string, unknown> {
  const call: Record<string, unknown> = {};
  if (ctx.parent) {
    call.parent_id = ctx.parent.id;
    call.root_id = ctx.parent.rootId || ctx.parent.id;
  }
  for (const [k, v] of Object.entries(ctx.options ?? {})) if (v !== null && v !== undefined) call[k] = v;
  const immutable = new Set([...IMMUTABLE_OPTIONS, ...(Array.isArray(sig.options.stamped_headers) ? sig.options.stamped_headers as string[] : [])]);
  const out: Record<string, unknown> = { ...sig.options };
  for (const [k, v] of Object.entries(call)) if (!(immutable.has(k) && k in sig.options)) out[k] = v;
  return out;
}

/** countdown/eta → `eta`; expires (seconds or ISO) → `expires` + `expiration` ms (as_task_v2, send_task). */
function timing(o: Record<string, unknown>, now: Date): { eta: string | null; expires: string | null; expirationMs: string | null } {
  const countdown = num(o.countdown, 'countdown');
  let eta: string | null = null;
  if (countdown) eta = isoUtc(new Date(now.getTime() + countdown * 1000));
  else if (o.eta instanceof Date) eta = isoUtc(o.eta);
  else eta = str(o.eta, 'eta');
  let expires: string | null = null;
  let expiresSec: number | null = null;
  if (typeof o.expires === 'number') {
    expiresSec = o.expires;
    expires = isoUtc(new Date(now.getTime() + o.expires * 1000));
  } else if (o.expires instanceof Date || typeof o.expires === 'string') {
    const at = o.expires instanceof Date ? o.expires : new Date(o.expires);
    if (Number.isNaN(at.getTime())) throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', `option expires is not an ISO date: ${String(o.expires)}`);
    expiresSec = (at.getTime() - now.getTime()) / 1000;
    expires = typeof o.expires === 'string' ? o.expires : isoUtc(at);
  } else if (o.expires !== undefined && o.expires !== null) {
    throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', 'option expires must be seconds or an ISO date');
  }
  const expirationMs = expiresSec === null ? null : String(Math.trunc(Math.max(expiresSec, 0) * 1000));
  return { eta, expires, expirationMs };
}

/** queue → anonymous exchange; exchange (+routing_key) as given; else the router / default queue. */
function resolveRoute(task: string, o: Record<string, unknown>, router?: TaskRouteResolver): Route & { priority?: number } {
  const queue = str(o.queue, 'queue');
  const exchange = str(o.exchange, 'exchange');
  const routingKey = str(o.routing_key, 'routing_key');
  if (queue) return { exchange: '', routingKey: queue };
  if (exchange !== null) return { exchange, routingKey: routingKey ?? '' };
  if (routingKey) return { exchange: '', routingKey };
  return router ? router(task) : { exchange: '', routingKey: 'celery' };
}

function str(v: unknown, name: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', `option ${name} must be a string`);
  return v;
}

function num(v: unknown, name: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', `option ${name} must be a number`);
  return v;
}

function int(v: unknown, name: string): number | null {
  const n = num(v, name);
  if (n !== null && !Number.isInteger(n)) throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', `option ${name} must be an integer`);
  return n;
}

function record(v: unknown, name: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', `option ${name} must be an object`);
  return v as Record<string, unknown>;
}
