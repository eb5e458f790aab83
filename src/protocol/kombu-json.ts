import { ProtocolError } from '../errors/celeriac-error';
import { parsePythonJson } from './parse-python-json';
import { formatPythonDatetime, parsePythonDatetime } from './python-datetime';
import { asJsonEncodeError, JsonEncodeError, MAX_JSON_DEPTH } from './json-encode-error';
import { encodePythonJsonString } from './python-json';

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
    // Short text with neither `__type__` nor a `\u` escape (which could spell it) has no typed value to
    // revive: skip the per-object hook, so most bodies parse with plain JSON.parse. Short, because the
    // hook's recursion is what refuses nesting deeper than Python reads, and text of at most
    // MAX_JSON_DEPTH characters cannot nest deeper.
    const plain = text.length <= MAX_JSON_DEPTH && !MAY_HOLD_TYPED.test(text);
    return plain ? parsePythonJson(text) : parsePythonJson(text, reviveTyped);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_BODY', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

const MAY_HOLD_TYPED = /__type__|\\u/;

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

/** Options of encodeKombuJson. */
export interface KombuJsonEncodeOptions {
  /**
   * Longest text accepted, in bytes (the text is ASCII: one byte per character). Past it the encoder
   * stops and throws JsonEncodeError `too-large` before building the rest. Default: V8's string limit.
   */
  maxBytes?: number;
}

/**
 * Encodes a value as kombu's JSON serializer writes it: Python spacing and ASCII escaping
 * (`encodePythonJson`), Date → `datetime` wrapper (aware UTC isoformat), Buffer → `bytes` wrapper
 * when valid UTF-8 else `base64`, bigint → integer, NaN/±Infinity as Python writes them. Objects are
 * written in insertion order; `undefined` members are skipped, as JSON.stringify does (functions and
 * symbols are refused rather than silently dropped). Throws JsonEncodeError (a ProtocolError):
 * `CELERIAC_PROTOCOL_ENCODE` for values JSON cannot carry (functions, symbols, Maps, cycles),
 * `_ENCODE_TOO_DEEP` past MAX_JSON_DEPTH, `_ENCODE_TOO_LARGE` past `maxBytes` or V8's string limit;
 * never a stack overflow or a V8 abort, however big or deep the value.
 */
export function encodeKombuJson(value: unknown, options: KombuJsonEncodeOptions = {}): string {
  const state: EncodeState = { used: 0, max: options.maxBytes ?? Infinity, seen: new Set(), path: [] };
  try {
    return write(value, state, 0);
  } catch (thrown) {
    throw asJsonEncodeError(thrown);
  }
}

/** One encoding run: characters written so far (exact), the limit, the containers open, the path to the current value. */
interface EncodeState {
  used: number;
  readonly max: number;
  readonly seen: Set<object>;
  readonly path: Array<string | number>;
}

/** Counts `n` more characters of output; throws once past the limit. */
function spend(state: EncodeState, n: number): void {
  state.used += n;
  if (state.used > state.max) throw tooLarge(state);
}

function write(value: unknown, state: EncodeState, depth: number): string {
  let text: string;
  switch (typeof value) {
    case 'string': {
      const quoted = encodePythonJsonString(value, state.max - state.used);
      if (quoted === null) throw tooLarge(state);
      state.used += quoted.length;
      return quoted;
    }
    case 'number':
      text = Number.isNaN(value) ? 'NaN' : !Number.isFinite(value) ? (value > 0 ? 'Infinity' : '-Infinity') : formatPythonNumber(value);
      break;
    case 'bigint':
      text = value.toString();
      break;
    case 'boolean':
      text = value ? 'true' : 'false';
      break;
    case 'undefined':
      text = 'null';
      break;
    case 'object':
      return value === null ? (spend(state, 4), 'null') : writeObject(value, state, depth);
    default:
      throw encodeError(state, `a ${typeof value} cannot be encoded as JSON`);
  }
  spend(state, text.length);
  return text;
}

function writeObject(value: object, state: EncodeState, depth: number): string {
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw encodeError(state, 'invalid Date');
    const text = `{"__type__": "datetime", "__value__": "${formatPythonDatetime(value)}"}`;
    spend(state, text.length);
    return text;
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return writeBytes(value, state);
  if (state.seen.has(value)) throw encodeError(state, 'circular reference');
  state.seen.add(value);
  try {
    if (Array.isArray(value)) return writeArray(value, state, depth);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(value), state, depth);
    if (value instanceof Map || value instanceof Set) throw encodeError(state, `a ${value.constructor.name} cannot be encoded as JSON`);
    const parts: string[] = [];
    spend(state, 2);
    // for-in with an own-key check visits what Object.entries lists, in the same order, without its pairs.
    for (const k in value) {
      if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (depth >= MAX_JSON_DEPTH) throw tooDeep(state);
      const key = quotedKey(k, state.max - state.used);
      if (key === null) throw tooLarge(state);
      spend(state, key.length + (parts.length > 0 ? 4 : 2));
      state.path.push(k);
      parts.push(`${key}: ${write(v, state, depth + 1)}`);
      state.path.pop();
    }
    return `{${parts.join(', ')}}`;
  } finally {
    state.seen.delete(value);
  }
}

/** Quoted object keys seen before (result metas repeat the same few): short keys only, bounded. */
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 512;
const KEY_CACHE_KEY_CHARS = 64;

function quotedKey(k: string, maxChars: number): string | null {
  const cached = k.length <= KEY_CACHE_KEY_CHARS ? KEY_CACHE.get(k) : undefined;
  if (cached !== undefined) return cached.length > maxChars ? null : cached;
  const quoted = encodePythonJsonString(k, maxChars);
  if (quoted !== null && k.length <= KEY_CACHE_KEY_CHARS && KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(k, quoted);
  return quoted;
}

function writeArray(value: unknown[], state: EncodeState, depth: number): string {
  if (value.length > 0 && depth >= MAX_JSON_DEPTH) throw tooDeep(state);
  spend(state, value.length > 0 ? 2 * value.length : 2);
  const parts = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    state.path.push(i);
    parts[i] = write(value[i], state, depth + 1);
    state.path.pop();
  }
  return `[${parts.join(', ')}]`;
}

/** `bytes` wrapper for valid UTF-8, else `base64`; the size is checked before any text is built. */
function writeBytes(value: Uint8Array, state: EncodeState): string {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // Either form is at least one character per byte (base64: 4 per 3), so this bound never refuses a fit.
  if (buf.length > state.max - state.used) throw tooLarge(state);
  const text = validUtf8(buf);
  if (text === null) {
    const encoded = `{"__type__": "base64", "__value__": "${buf.toString('base64')}"}`;
    spend(state, encoded.length);
    return encoded;
  }
  const head = '{"__type__": "bytes", "__value__": ';
  spend(state, head.length + 1);
  const quoted = encodePythonJsonString(text, state.max - state.used);
  if (quoted === null) throw tooLarge(state);
  state.used += quoted.length;
  return `${head}${quoted}}`;
}

function validUtf8(buf: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return null;
  }
}

function encodeError(state: EncodeState, why: string): JsonEncodeError {
  return new JsonEncodeError('unserializable', `cannot encode ${pathText(state)}: ${why}`);
}

function tooDeep(state: EncodeState): JsonEncodeError {
  return new JsonEncodeError('too-deep', `cannot encode ${pathText(state)}: nested deeper than ${MAX_JSON_DEPTH} levels`);
}

function tooLarge(state: EncodeState): JsonEncodeError {
  return new JsonEncodeError('too-large', `cannot encode ${pathText(state)}: encoded text exceeds the ${state.max}-byte limit`);
}

/** `$.a[0].b`, shortened in the middle when deep (a path 3,000 levels long helps nobody). */
function pathText(state: EncodeState): string {
  const seg = (p: string | number): string => (typeof p === 'number' ? `[${p}]` : `.${p.length > 40 ? `${p.slice(0, 40)}...` : p}`);
  const { path } = state;
  if (path.length <= 12) return `$${path.map(seg).join('')}`;
  return `$${path.slice(0, 6).map(seg).join('')}...(${path.length - 10} more)...${path.slice(-4).map(seg).join('')}`;
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
