import { decompressBody } from './compression';
import { decodeKombuJson } from './kombu-json';
import type { KombuMessage } from './kombu-message';
import { MessageDecodeError } from './message-decode-error';
import { isRecord, WireFieldError, WireFieldReader } from './read-wire-field';
import type { TaskEmbed, TaskMessage } from './task-message';

/** What the decoder accepts. */
export interface DecodeTaskMessageOptions {
  /** Celery's `accept_content`: serializer names (`json`) or MIME types (`application/json`). */
  accept: readonly string[];
  /** Largest body accepted, in bytes, after decompression. */
  maxBodyBytes: number;
}

/** kombu's serializer names → content types (kombu `serialization.py`). */
const SERIALIZER_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json', pickle: 'application/x-python-serialize', yaml: 'application/x-yaml',
  msgpack: 'application/x-msgpack',
};

/** Header keys Celery defines (spec §1.2) plus kombu's own; everything else is a custom header. */
const KNOWN_HEADERS: ReadonlySet<string> = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id',
  'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers',
  'stamps', 'compression', 'redelivered', 'meth',
]);

/**
 * Decodes a Celery task message of protocol v2 (`headers.task`), v1 (map body with `task`, empty
 * headers) or hybrid (map body with `args` plus v2 headers; headers win), as Celery's
 * `on_task_received` + `strategy.py` do. Checks the content type against `accept`, decompresses,
 * enforces `maxBodyBytes`, validates every field's type. Throws MessageDecodeError with codes
 * `CELERIAC_PROTOCOL_CONTENT_DISALLOWED`, `_TOO_LARGE`, `_BAD_BODY`, `_UNKNOWN_MESSAGE`,
 * `_INVALID_TASK`, `_BAD_ETA`, `_COMPRESSION_UNSUPPORTED`, carrying the task id/name when known.
 */
export function decodeTaskMessage(msg: KombuMessage, options: DecodeTaskMessageOptions): TaskMessage {
  const headers = isRecord(msg.headers) ? msg.headers : {};
  const ctx: { taskId?: string; taskName?: string } = {};
  if (typeof headers.id === 'string' && headers.id) ctx.taskId = headers.id;
  if (typeof headers.task === 'string' && headers.task) ctx.taskName = headers.task;
  const fail = (code: string, message: string, cause?: unknown): never => {
    throw new MessageDecodeError(code, message, { ...ctx, ...(cause === undefined ? {} : { cause }) });
  };
  if (!isRecord(msg.headers) && msg.headers !== null && msg.headers !== undefined) {
    fail('CELERIAC_PROTOCOL_UNKNOWN_MESSAGE', 'message headers are not a map');
  }
  if (!isRecord(msg.properties)) fail('CELERIAC_PROTOCOL_INVALID_TASK', 'message properties are not a map');
  if (!Buffer.isBuffer(msg.body)) fail('CELERIAC_PROTOCOL_BAD_BODY', 'message body is not bytes');
  checkContentType(msg.contentType, options.accept, fail);
  const payload = readPayload(msg, headers, options.maxBodyBytes, fail);

  const isV2 = Object.prototype.hasOwnProperty.call(headers, 'task');
  if (!isV2 && !(isRecord(payload) && typeof payload.task === 'string' && payload.task !== '')) {
    fail('CELERIAC_PROTOCOL_UNKNOWN_MESSAGE', 'unknown message: no task name in headers or body');
  }
  try {
    // Celery's strategy: a map body is v1 without a `task` header, hybrid with one only when it carries `args`.
    if (isRecord(payload) && isV2 && !Object.prototype.hasOwnProperty.call(payload, 'args')) {
      return fail('CELERIAC_PROTOCOL_BAD_BODY', 'protocol 2 body must be [args (list), kwargs (map), embed (map or null)], got a map without "args"');
    }
    if (isRecord(payload)) {
      if (typeof payload.id === 'string' && payload.id && !ctx.taskId) ctx.taskId = payload.id;
      if (typeof payload.task === 'string' && payload.task && !ctx.taskName) ctx.taskName = payload.task;
      return fromMapBody(payload, headers, msg.properties, fail);
    }
    if (!Array.isArray(payload) || payload.length !== 3 || !Array.isArray(payload[0]) || !isRecord(payload[1])
      || !(payload[2] === null || isRecord(payload[2]))) {
      return fail('CELERIAC_PROTOCOL_BAD_BODY', 'protocol 2 body must be [args (list), kwargs (map), embed (map or null)]');
    }
    const embedReader = new WireFieldReader(payload[2] ?? {}, 'embed');
    const embed: TaskEmbed = {
      callbacks: embedReader.objectList('callbacks'), errbacks: embedReader.objectList('errbacks'),
      chain: embedReader.objectList('chain'), chord: embedReader.map('chord', null),
    };
    return build(2, new WireFieldReader(headers, 'header'), headers, payload[0], payload[1], embed, msg.properties);
  } catch (err) {
    if (err instanceof MessageDecodeError) throw err;
    if (err instanceof WireFieldError) {
      const code = err.field === 'eta' || err.field === 'expires' ? 'CELERIAC_PROTOCOL_BAD_ETA' : 'CELERIAC_PROTOCOL_INVALID_TASK';
      return fail(code, err.message, err);
    }
    throw err;
  }
}

type Fail = (code: string, message: string, cause?: unknown) => never;

/** The content types an `accept` list allows, kept per list with the names it was built from. */
const allowedTypes = new WeakMap<readonly string[], { names: string[]; types: ReadonlySet<string> }>();

/** The worker passes the same array for every message: build its set once, rebuilt if the list changed. */
function allowedFor(accept: readonly string[]): ReadonlySet<string> {
  const cached = allowedTypes.get(accept);
  if (cached && cached.names.length === accept.length && cached.names.every((n, i) => n === accept[i])) return cached.types;
  const types = new Set(accept.map((a) => SERIALIZER_TYPES[a.toLowerCase()] ?? a.toLowerCase()));
  allowedTypes.set(accept, { names: [...accept], types });
  return types;
}

/** Decoding with `fatal` keeps no state between calls, so one decoder serves every message. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function checkContentType(contentType: unknown, accept: readonly string[], fail: Fail): void {
  // What kombu sends is exactly `application/json`: no parameters to split off, nothing to trim or lower.
  const type = contentType === 'application/json' ? contentType
    : typeof contentType === 'string' ? contentType.split(';')[0]?.trim().toLowerCase() ?? '' : '';
  const allowed = allowedFor(accept);
  if (!allowed.has(type)) {
    fail('CELERIAC_PROTOCOL_CONTENT_DISALLOWED', `content type ${JSON.stringify(contentType)} is not in accept_content [${accept.join(', ')}]`);
  }
  if (type !== 'application/json') {
    fail('CELERIAC_PROTOCOL_CONTENT_DISALLOWED', `content type ${type} is accepted by configuration but celeriac decodes only application/json`);
  }
}

function readPayload(msg: KombuMessage, headers: Record<string, unknown>, maxBytes: number, fail: Fail): unknown {
  let body = msg.body;
  const compression = headers.compression;
  if (compression !== undefined && compression !== null) {
    if (typeof compression !== 'string') fail('CELERIAC_PROTOCOL_BAD_BODY', 'header "compression" must be a string');
    try {
      body = decompressBody(body, compression as string, { maxOutputBytes: maxBytes + 1 });
    } catch (err) {
      fail((err as { code: string }).code, (err as Error).message, err);
    }
  }
  if (body.length > maxBytes) fail('CELERIAC_PROTOCOL_TOO_LARGE', `body of ${body.length} bytes exceeds the ${maxBytes}-byte limit`);
  const charset = (msg.contentEncoding || 'utf-8').toLowerCase();
  if (!['utf-8', 'utf8', 'ascii', 'us-ascii', 'binary'].includes(charset)) {
    fail('CELERIAC_PROTOCOL_BAD_BODY', `unsupported content-encoding ${JSON.stringify(msg.contentEncoding)}`);
  }
  let text = '';
  try {
    text = UTF8.decode(body);
  } catch (err) {
    fail('CELERIAC_PROTOCOL_BAD_BODY', 'body is not valid UTF-8', err);
  }
  try {
    return decodeKombuJson(text);
  } catch (err) {
    return fail('CELERIAC_PROTOCOL_BAD_BODY', (err as Error).message, err);
  }
}

/** v1 (`{task, id, args, kwargs, ...}` body) and hybrid (same body, v2 headers override). */
function fromMapBody(body: Record<string, unknown>, headers: Record<string, unknown>, properties: Record<string, unknown>, fail: Fail): TaskMessage {
  const args = Object.prototype.hasOwnProperty.call(body, 'args') ? body.args : [];
  // Python 5.6 reads body.get('kwargs', {}): a missing kwargs is an empty map, a non-map is refused
  const kwargs = Object.prototype.hasOwnProperty.call(body, 'kwargs') ? body.kwargs : {};
  if (!Array.isArray(args)) fail('CELERIAC_PROTOCOL_INVALID_TASK', 'task args must be a list');
  if (!isRecord(kwargs)) fail('CELERIAC_PROTOCOL_INVALID_TASK', 'task keyword arguments must be a mapping');
  // Copied by Object.assign, not `{ ...body }`: the header keys assigned below would then cost ~1 µs each on
  // Node 20. An own `__proto__` key (JSON.parse makes one) would go to the prototype setter: then spread.
  const merged: Record<string, unknown> = Object.hasOwn(body, '__proto__') ? { ...body } : Object.assign({}, body);
  if (!('group' in merged) || merged.group === null) merged.group = body.taskset ?? null; // v1 name of group
  for (const [k, v] of Object.entries(headers)) merged[k] = v;
  const reader = new WireFieldReader(merged, 'field');
  const embed: TaskEmbed = {
    callbacks: reader.objectList('callbacks'), errbacks: reader.objectList('errbacks'), chain: null, chord: reader.map('chord', null),
  };
  return build(1, reader, headers, args as unknown[], kwargs as Record<string, unknown>, embed, properties);
}

/** `inf` or `nan` (Python's json writes both bare): a limit that never fires. */
function isUnbounded(x: unknown): boolean {
  return typeof x === 'number' && (x === Infinity || Number.isNaN(x));
}

/**
 * The `timelimit` header `[hard, soft]`. `time_limit=float('inf')` (or nan) reaches us as Infinity
 * (NaN): a Python worker's timer compares against it and never fires, and a message value beats the
 * task's own default, so it means "no limit" here too and is kept as Infinity (the clock never fires
 * it). Negative values and -Infinity are refused as before.
 */
function readTimeLimit(h: WireFieldReader): { hard: number | null; soft: number | null } {
  const v = h.raw('timelimit');
  if (!Array.isArray(v) || v.length !== 2 || !v.some(isUnbounded)) return h.timeLimit('timelimit');
  const finite = new WireFieldReader({ timelimit: v.map((x) => (isUnbounded(x) ? null : x)) }, 'header').timeLimit('timelimit');
  return { hard: isUnbounded(v[0]) ? Infinity : finite.hard, soft: isUnbounded(v[1]) ? Infinity : finite.soft };
}

function build(protocol: 1 | 2, h: WireFieldReader, headers: Record<string, unknown>, args: unknown[],
  kwargs: Record<string, unknown>, embed: TaskEmbed, properties: Record<string, unknown>): TaskMessage {
  const id = h.string('id');
  const p = new WireFieldReader(properties, 'property');
  const customHeaders: Record<string, unknown> = {};
  // for-in over own keys: Object.entries would build an array of pairs per message.
  for (const k in headers) if (Object.prototype.hasOwnProperty.call(headers, k) && !KNOWN_HEADERS.has(k)) customHeaders[k] = headers[k];
  return {
    protocol,
    id,
    task: h.string('task'),
    args,
    kwargs,
    shadow: h.optString('shadow'),
    eta: h.isoDate('eta'),
    expires: h.isoDate('expires'),
    group: h.optString('group'),
    groupIndex: h.int('group_index', null),
    retries: h.int('retries', 0),
    timeLimitSec: readTimeLimit(h),
    rootId: h.optString('root_id'),
    parentId: h.optString('parent_id'),
    argsRepr: h.optString('argsrepr'),
    kwargsRepr: h.optString('kwargsrepr'),
    origin: h.optString('origin'),
    ignoreResult: h.bool('ignore_result'),
    replacedTaskNesting: h.int('replaced_task_nesting', 0),
    stampedHeaders: h.stringList('stamped_headers'),
    stamps: h.map('stamps', {}),
    customHeaders,
    embed,
    correlationId: p.optString('correlation_id'),
    replyTo: p.optString('reply_to'),
    priority: p.int('priority', null),
    properties: { ...properties },
  };
}
