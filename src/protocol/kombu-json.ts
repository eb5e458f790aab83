import { ProtocolError } from '../errors/celeriac-error';
import { parsePythonJson } from './parse-python-json';
import { formatPythonDatetime, parsePythonDatetime } from './python-datetime';
import { encodePythonJson } from './python-json';

/**
 * Decodes JSON written by kombu's serializer (kombu `utils/json.py`): an object whose key set is
 * exactly `{__type__, __value__}` is a typed value. `datetime` → Date (naive = UTC, microseconds kept
 * in a PythonDatetime), `date` → `'YYYY-MM-DD'`, `time` → its text, `decimal` → its text, `uuid` →
 * canonical dashed lower-case text, `bytes` → Buffer of the UTF-8 text, `base64` → Buffer.
 * Integers beyond 2^53 become bigint. Throws ProtocolError `CELERIAC_PROTOCOL_BAD_BODY` for bad JSON,
 * an unknown `__type__` or a malformed typed value.
 */
export function decodeKombuJson(text: string): unknown {
  try {
    return parsePythonJson(text, reviveTyped);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_BODY', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function reviveTyped(obj: Record<string, unknown>): unknown {
  const keys = Object.keys(obj);
  if (keys.length !== 2 || !('__type__' in obj) || !('__value__' in obj)) return obj;
  const type = obj.__type__;
  const value = obj.__value__;
  const bad = (why: string): never => {
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_BODY', `kombu typed value ${JSON.stringify(type)}: ${why}`);
  };
  switch (type) {
    case 'datetime': {
      const date = typeof value === 'string' ? parsePythonDatetime(value) : null;
      return date ?? bad(`not an ISO datetime: ${JSON.stringify(value)}`);
    }
    case 'date': {
      // Python: datetime.fromisoformat(v).date(); keep the calendar date as text, no time zone shift
      const m = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2})/.exec(value) : null;
      if (!m || !parsePythonDatetime(value as string)) bad(`not an ISO date: ${JSON.stringify(value)}`);
      return (m as RegExpExecArray)[1];
    }
    case 'time':
      if (typeof value !== 'string' || !/^\d{2}(:\d{2}(:\d{2}([.,]\d{1,6})?)?)?([+-]\d{2}:?\d{2}|Z)?$/.test(value)) {
        bad(`not an ISO time: ${JSON.stringify(value)}`);
      }
      return value;
    case 'decimal':
      if (typeof value !== 'string' || !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(NaN|sNaN|Inf|Infinity)\s*$/i.test(value)) {
        bad(`not a decimal: ${JSON.stringify(value)}`);
      }
      return (value as string).trim();
    case 'uuid':
      return decodeUuid(value) ?? bad(`not a uuid: ${JSON.stringify(value)}`);
    case 'bytes':
      return typeof value === 'string' ? Buffer.from(value, 'utf8') : bad('value is not a string');
    case 'base64':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(value)) bad('value is not base64 text');
      return Buffer.from(value as string, 'base64');
    default:
      return bad('unknown type (kombu raises "Unsupported type" too)');
  }
}

/** kombu writes `{"hex": "<32 hex>"}` (`uuid.UUID(**value)`); a plain string is accepted too. */
function decodeUuid(value: unknown): string | null {
  let text: unknown = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const rec = value as Record<string, unknown>;
    if (Object.keys(rec).length !== 1 || typeof rec.hex !== 'string') return null;
    text = rec.hex;
  }
  if (typeof text !== 'string') return null;
  const hex = text.replace(/^urn:uuid:/i, '').replace(/[{}-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Encodes a value as kombu's JSON serializer writes it: Python spacing and ASCII escaping
 * (`encodePythonJson`), Date → `datetime` wrapper (aware UTC isoformat), Buffer → `bytes` wrapper
 * when valid UTF-8 else `base64`, bigint → integer, NaN/±Infinity as Python writes them. Objects are
 * written in insertion order; `undefined` members are skipped, as JSON.stringify does (functions and
 * symbols are refused rather than silently dropped). Throws
 * ProtocolError `CELERIAC_PROTOCOL_ENCODE` for values JSON cannot carry (functions, symbols, cycles).
 */
export function encodeKombuJson(value: unknown): string {
  return write(value, new Set(), '$');
}

function write(value: unknown, seen: Set<object>, path: string): string {
  switch (typeof value) {
    case 'string':
      return encodePythonJson(value);
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return formatPythonNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object':
      break;
    default:
      throw encodeError(path, `a ${typeof value} cannot be encoded as JSON`);
  }
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw encodeError(path, 'invalid Date');
    return `{"__type__": "datetime", "__value__": "${formatPythonDatetime(value)}"}`;
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const text = validUtf8(buf);
    return text === null
      ? `{"__type__": "base64", "__value__": "${buf.toString('base64')}"}`
      : `{"__type__": "bytes", "__value__": ${encodePythonJson(text)}}`;
  }
  if (seen.has(value)) throw encodeError(path, 'circular reference');
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((v, i) => write(v, seen, `${path}[${i}]`)).join(', ')}]`;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(value), seen, path);
    if (value instanceof Map || value instanceof Set) throw encodeError(path, `a ${value.constructor.name} cannot be encoded as JSON`);
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      parts.push(`${encodePythonJson(k)}: ${write(v, seen, `${path}.${k}`)}`);
    }
    return `{${parts.join(', ')}}`;
  } finally {
    seen.delete(value);
  }
}

function validUtf8(buf: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return null;
  }
}

function encodeError(path: string, why: string): ProtocolError {
  return new ProtocolError('CELERIAC_PROTOCOL_ENCODE', `cannot encode ${path}: ${why}`);
}

/**
 * Writes a finite number as Python does: integers as digits, other floats as `repr(float)` (exponent
 * form below 1e-4 and from 1e16, with at least two exponent digits: `1e-05`, `1.5e+16`).
 */
export function formatPythonNumber(value: number): string {
  if (Object.is(value, -0)) return '-0.0';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e16) return String(value);
  return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}
