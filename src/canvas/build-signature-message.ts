import { randomUUID } from 'node:crypto';
import type { KombuMessage, Route } from '../protocol/kombu-message';
import type { SignatureWire, TaskMessage } from '../protocol/task-message';
import { CanvasError } from './canvas-error';
import { encodeTaskMessage } from '../protocol/encode-task-message';
import { parsePythonDatetime } from '../protocol/python-datetime';
import { pythonRepr } from '../protocol/python-repr';
import { withOriginProperty } from './with-origin-property';
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
  parent: Pick<TaskMessage, 'id' | 'rootId'> | null;
  /**
   * Headers the publishing task passes on (its request's correlation fields, `worker_log_context_fields`):
   * written under the signature's own `headers`, which win.
   */
  inheritHeaders?: Readonly<Record<string, unknown>>;
  /** Prepended to the signature's args unless it is immutable (the parent's result, a chord's results...). */
  prependArgs?: unknown[];
  /** The signature's own args are a Python tuple (it was cloned): `argsrepr` shows `(1, 2)` even when nothing is prepended. */
  argsTuple?: boolean;
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
  const routed = resolveRoute(sig.task, o, ctx.router);
  const origin = str(o.origin, 'origin');
  const message = encodeTaskMessage({
    id: taskId,
    task: sig.task,
    args,
    kwargs: sig.kwargs,
    // Python renders args it re-merged (or a cloned signature's) as a tuple and a signature's own args (a JSON list) unchanged.
    argsRepr: pythonRepr(args, { tuple: merged || ctx.argsTuple === true, maxChars: 1024 }),
    shadow: str(o.shadow, 'shadow'),
    ...timing(o),
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
    customHeaders: { ...ctx.inheritHeaders, ...record(o.headers, 'headers') },
    embed: {
      callbacks: toSignatureList(o.link, 'options.link'),
      errbacks: toSignatureList(o.link_error, 'options.link_error'),
      chain: (o.chain as SignatureWire[] | undefined) ?? null,
      chord: (o.chord as SignatureWire | undefined) ?? null,
    },
    replyTo: str(o.reply_to, 'reply_to') ?? ctx.replyTo,
    priority: int(o.priority, 'priority') ?? routed.priority ?? 0,
  }, ctx.now);
  // an `origin` option also reaches kombu's publish() as a property (seen on Python's retries)
  if (origin !== null) withOriginProperty(message, origin);
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

/** countdown/eta and expires (seconds, ISO text or Date) as encodeTaskMessage takes them (as_task_v2, send_task). */
function timing(o: Record<string, unknown>): { countdownSec?: number; eta?: Date; expiresSec?: number; expires?: Date } {
  const out: { countdownSec?: number; eta?: Date; expiresSec?: number; expires?: Date } = {};
  const countdown = num(o.countdown, 'countdown');
  if (countdown) out.countdownSec = countdown; // `if countdown:` — 0 means no eta
  else if (o.eta !== undefined && o.eta !== null) out.eta = date(o.eta, 'eta');
  if (typeof o.expires === 'number') out.expiresSec = o.expires;
  else if (o.expires !== undefined && o.expires !== null) out.expires = date(o.expires, 'expires');
  return out;
}

function date(v: unknown, name: string): Date {
  if (v instanceof Date) return v;
  const parsed = typeof v === 'string' ? parsePythonDatetime(v) : null;
  if (!parsed) throw new CanvasError('CELERIAC_CANVAS_BAD_OPTION', `option ${name} must be seconds or an ISO-8601 date`);
  return parsed;
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
