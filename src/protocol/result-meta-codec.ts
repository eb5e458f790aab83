import { ProtocolError } from '../errors/celeriac-error';
import { decodeKombuJson, encodeKombuJson, type KombuJsonEncodeOptions } from './kombu-json';
import { formatPythonDatetime, parsePythonDatetime } from './python-datetime';
import { isRecord, WireFieldError, WireFieldReader } from './read-wire-field';
import type { ExceptionInfo, ResultMeta } from './result-meta';

/** States whose `result` is an exception (celery `states.EXCEPTION_STATES`). */
export const EXCEPTION_STATES: ReadonlySet<string> = new Set(['RETRY', 'FAILURE', 'REVOKED']);

/**
 * The JSON text Celery stores under `celery-task-meta-<id>`, byte-compatible with Python's
 * `Backend._get_result_meta` + `_store_result`: keys `status, result, traceback, children, date_done,
 * [group_id], [parent_id], [name, args, kwargs, worker, retries, queue, [stamped_headers, <stamps>]], task_id`, values through
 * kombu JSON, `date_done` as aware-UTC isoformat. An ExceptionInfo result (camelCase) is written in
 * its wire shape `{exc_type, exc_message, exc_module}`. Throws JsonEncodeError (`CELERIAC_PROTOCOL_ENCODE`,
 * `_ENCODE_TOO_DEEP`, `_ENCODE_TOO_LARGE` past `options.maxBytes`) when the result cannot be serialized.
 */
export function encodeResultMeta(meta: ResultMeta, options: KombuJsonEncodeOptions = {}): string {
  const wire: Record<string, unknown> = {
    status: meta.status,
    result: isExceptionInfo(meta.result) ? encodeExceptionInfo(meta.result) : meta.result,
    traceback: meta.traceback,
    children: meta.children,
    date_done: meta.dateDone === null ? null : formatPythonDatetime(meta.dateDone),
  };
  if (meta.groupId !== undefined) wire.group_id = meta.groupId;
  if (meta.parentId !== undefined) wire.parent_id = meta.parentId;
  if (meta.extended) {
    const e = meta.extended;
    Object.assign(wire, { name: e.name, args: e.args, kwargs: e.kwargs, worker: e.worker, retries: e.retries, queue: e.queue });
    // Backend._get_result_meta: `if request.stamps:` add stamped_headers, then each stamp as its own key
    if (e.stamps && Object.keys(e.stamps).length > 0) Object.assign(wire, { stamped_headers: e.stampedHeaders ?? null }, e.stamps);
  }
  wire.task_id = meta.taskId;
  return encodeKombuJson(wire, options);
}

/**
 * Parses a stored result meta (any key order). For RETRY/FAILURE/REVOKED a `{exc_type, exc_message,
 * exc_module}` result becomes a camelCase ExceptionInfo (what `encodeResultMeta` takes back); other
 * results are returned as decoded kombu JSON. Throws ProtocolError `CELERIAC_PROTOCOL_BAD_RESULT`
 * naming the field that is wrong.
 */
export function decodeResultMeta(text: string): ResultMeta {
  let parsed: unknown;
  try {
    parsed = decodeKombuJson(text);
  } catch (err) {
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_RESULT', `result meta is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(parsed)) throw new ProtocolError('CELERIAC_PROTOCOL_BAD_RESULT', 'result meta is not a JSON object');
  const r = new WireFieldReader(parsed, 'result meta');
  try {
    const status = r.string('status');
    const dateText = r.optString('date_done');
    const dateDone = dateText === null ? null : parsePythonDatetime(dateText);
    if (dateText !== null && dateDone === null) throw new WireFieldError(`result meta "date_done" is not ISO-8601: ${dateText}`, 'date_done');
    const children = r.raw('children');
    if (children !== undefined && children !== null && !Array.isArray(children)) {
      throw new WireFieldError('result meta "children" must be a list or null', 'children');
    }
    const result = r.raw('result');
    const meta: ResultMeta = {
      taskId: r.string('task_id'),
      status,
      result: EXCEPTION_STATES.has(status) && isWireException(result) ? decodeExceptionInfo(result) : result ?? null,
      traceback: r.optString('traceback'),
      children: (children as unknown[] | null | undefined) ?? null,
      dateDone,
    };
    if (r.has('group_id')) meta.groupId = r.optString('group_id');
    if (r.has('parent_id')) meta.parentId = r.optString('parent_id');
    if (r.has('name') && r.has('worker')) {
      const args = r.raw('args');
      meta.extended = {
        name: r.string('name'), args: Array.isArray(args) ? args : [], kwargs: r.map('kwargs', {}),
        worker: r.optString('worker') ?? '', retries: r.int('retries', 0), queue: r.optString('queue'),
      };
      const stamped = r.stringList('stamped_headers');
      if (stamped) {
        meta.extended.stampedHeaders = stamped;
        meta.extended.stamps = Object.fromEntries(stamped.map((k) => [k, r.raw(k) ?? null]));
      }
    }
    return meta;
  } catch (err) {
    if (err instanceof WireFieldError) throw new ProtocolError('CELERIAC_PROTOCOL_BAD_RESULT', err.message, { cause: err });
    throw err;
  }
}

/** True for a camelCase ExceptionInfo. */
export function isExceptionInfo(v: unknown): v is ExceptionInfo {
  return isRecord(v) && typeof v.excType === 'string' && typeof v.excModule === 'string' && Array.isArray(v.excMessage)
    && Object.keys(v).length === 3;
}

/** ExceptionInfo → `{exc_type, exc_message, exc_module}` (Python's key order). */
export function encodeExceptionInfo(info: ExceptionInfo): Record<string, unknown> {
  return { exc_type: info.excType, exc_message: info.excMessage, exc_module: info.excModule };
}

function isWireException(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && typeof v.exc_type === 'string';
}

/** `{exc_type, exc_message, exc_module}` → ExceptionInfo; a non-list message becomes a one-item list. */
export function decodeExceptionInfo(wire: Record<string, unknown>): ExceptionInfo {
  const msg = wire.exc_message;
  return {
    excType: String(wire.exc_type),
    excMessage: Array.isArray(msg) ? msg : msg === undefined || msg === null ? [] : [msg],
    excModule: typeof wire.exc_module === 'string' ? wire.exc_module : 'builtins',
  };
}
