import { ProtocolError } from '../errors/celeriac-error';
import { canonicalCompression, compressBody } from './compression';
import { encodeKombuJson } from './kombu-json';
import type { KombuMessage } from './kombu-message';
import { formatPythonDatetime, PythonDatetime, microsecondOf } from './python-datetime';
import { pythonRepr } from './python-repr';
import type { TaskEmbed } from './task-message';

/** Celery's `argsrepr_maxsize` / `kwargsrepr_maxsize`. */
const REPR_MAX_CHARS = 1024;

/** What to publish; camelCase mirror of TaskMessage. Only `task` and `id` are required. */
export interface TaskMessageInput {
  task: string;
  id: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  shadow?: string | null;
  /** Earliest run time; wins over `countdownSec`. */
  eta?: Date | null;
  /** Run no earlier than now + this many seconds (Celery's `countdown`). */
  countdownSec?: number;
  /** Absolute expiry instant; wins over `expiresSec`. */
  expires?: Date | null;
  /** Expire this many seconds after now (Celery's numeric `expires`). */
  expiresSec?: number;
  group?: string | null;
  groupIndex?: number | null;
  retries?: number;
  timeLimitSec?: { hard: number | null; soft: number | null };
  /** Defaults to `id`, as Python does for a task without a parent. */
  rootId?: string | null;
  parentId?: string | null;
  /** Defaults to the saferepr of args as a tuple (`(2, 3)`), capped at 1024 chars. */
  argsRepr?: string | null;
  /** Defaults to the saferepr of kwargs. */
  kwargsRepr?: string | null;
  /** Producer node name (`gen<pid>@<host>` for clients, the worker's node name otherwise). */
  origin?: string | null;
  ignoreResult?: boolean;
  replacedTaskNesting?: number;
  stampedHeaders?: string[] | null;
  stamps?: Record<string, unknown>;
  /** Extra headers, written after Celery's own (a custom header cannot replace a standard one). */
  customHeaders?: Record<string, unknown>;
  embed?: Partial<TaskEmbed>;
  /** Defaults to `id`. */
  correlationId?: string | null;
  replyTo?: string | null;
  /** 0 when unset, as kombu writes. */
  priority?: number | null;
  /**
   * `lang` header. Defaults to `'py'`: no Celery component reads it (the worker dispatches on `task`),
   * and `'py'` keeps our messages byte-identical to Python's.
   */
  lang?: string;
  /** kombu compression name (`zlib`, `gzip`, `application/x-gzip`, `brotli`). */
  compression?: string | null;
}

/**
 * Builds the protocol v2 KombuMessage Python's `as_task_v2` + kombu would publish: headers in
 * Celery's order (`lang, task, id, shadow, eta, expires, group, group_index, retries, timelimit,
 * root_id, parent_id, argsrepr, kwargsrepr, origin, ignore_result, replaced_task_nesting,
 * stamped_headers, stamps`, then custom headers, then `compression`), body `[args, kwargs, embed]`
 * in kombu JSON, properties `correlation_id, reply_to, delivery_mode: 2, [expiration], priority`.
 * The transport adds `delivery_info`, `body_encoding` and `delivery_tag`. Pure: `now` is passed in.
 */
export function encodeTaskMessage(input: TaskMessageInput, now: Date): KombuMessage {
  if (!input.task) throw new ProtocolError('CELERIAC_PROTOCOL_ENCODE', 'task name is required');
  if (!input.id) throw new ProtocolError('CELERIAC_PROTOCOL_ENCODE', 'task id is required');
  const args = input.args ?? [];
  const kwargs = input.kwargs ?? {};
  const eta = input.eta ?? (input.countdownSec === undefined ? null : addSeconds(now, input.countdownSec));
  const expires = input.expires ?? (input.expiresSec === undefined ? null : addSeconds(now, input.expiresSec));
  const timeLimit = input.timeLimitSec ?? { hard: null, soft: null };
  const headers: Record<string, unknown> = {
    lang: input.lang ?? 'py',
    task: input.task,
    id: input.id,
    shadow: input.shadow ?? null,
    eta: eta === null ? null : isoOrThrow(eta, 'eta'),
    expires: expires === null ? null : isoOrThrow(expires, 'expires'),
    group: input.group ?? null,
    group_index: input.groupIndex ?? null,
    retries: input.retries ?? 0,
    timelimit: [timeLimit.hard, timeLimit.soft],
    root_id: input.rootId ?? input.id,
    parent_id: input.parentId ?? null,
    argsrepr: input.argsRepr ?? pythonRepr(args, { tuple: true, maxChars: REPR_MAX_CHARS }),
    kwargsrepr: input.kwargsRepr ?? pythonRepr(kwargs, { maxChars: REPR_MAX_CHARS }),
    origin: input.origin ?? null,
    ignore_result: input.ignoreResult ?? false,
    replaced_task_nesting: input.replacedTaskNesting ?? 0,
    stamped_headers: input.stampedHeaders ?? null,
    stamps: input.stamps ?? {},
  };
  for (const [k, v] of Object.entries(input.customHeaders ?? {})) if (!(k in headers) && k !== 'compression') headers[k] = v;
  const embed = input.embed ?? {};
  let body: Buffer = Buffer.from(encodeKombuJson([args, kwargs, {
    callbacks: embed.callbacks ?? null, errbacks: embed.errbacks ?? null, chain: embed.chain ?? null, chord: embed.chord ?? null,
  }]), 'utf8');
  if (input.compression) {
    const canonical = canonicalCompression(input.compression);
    body = compressBody(body, input.compression);
    headers.compression = canonical;
  }
  const properties: Record<string, unknown> = {
    correlation_id: input.correlationId ?? input.id,
    reply_to: input.replyTo ?? null,
    delivery_mode: 2,
  };
  if (expires !== null) {
    // send_task: seconds until expiry, clamped at 0; kombu writes str(int(s * 1000))
    const seconds = input.expires ? (totalMicro(expires) - totalMicro(now)) / 1e6 : (input.expiresSec as number);
    properties.expiration = String(Math.max(0, Math.trunc(seconds * 1000)));
  }
  properties.priority = input.priority ?? 0;
  return { body, contentType: 'application/json', contentEncoding: 'utf-8', headers, properties };
}

/** now + seconds, keeping microseconds (Python's `now + timedelta(seconds=s)`). */
function addSeconds(now: Date, seconds: number): Date {
  if (!Number.isFinite(seconds)) throw new ProtocolError('CELERIAC_PROTOCOL_ENCODE', `not a number of seconds: ${seconds}`);
  const total = totalMicro(now) + Math.round(seconds * 1e6);
  return new PythonDatetime(Math.floor(total / 1000), ((total % 1e6) + 1e6) % 1e6);
}

/** Microseconds since the epoch, keeping a PythonDatetime's sub-millisecond digits. */
function totalMicro(date: Date): number {
  return date.getTime() * 1000 + (microsecondOf(date) % 1000);
}

function isoOrThrow(date: Date, field: string): string {
  if (!Number.isFinite(date.getTime())) throw new ProtocolError('CELERIAC_PROTOCOL_ENCODE', `${field} is an invalid Date`);
  return formatPythonDatetime(date);
}
