import { asJsonEncodeError, JsonEncodeError, MAX_JSON_DEPTH } from './json-encode-error';

/**
 * JSON text exactly as Python's `json.dumps` writes it with kombu's defaults: `", "` and `": "`
 * separators and `ensure_ascii` (every code unit outside printable ASCII escaped as lower-case
 * `\uXXXX`, so astral characters become surrogate pairs). Byte-compatible output for everything JS can
 * represent (JS cannot tell `1.0` from `1`: a value with a `toPythonJson()` method, such as
 * PythonFloat, writes its own text). Otherwise the semantics are `JSON.stringify`'s: `toJSON()` is
 * honoured, undefined/functions/symbols are dropped from objects and become `null` in arrays,
 * non-finite numbers become `null`, and cycles and bigints throw TypeError. Nesting beyond
 * MAX_JSON_DEPTH and text beyond V8's string limit throw JsonEncodeError (never a stack overflow).
 */
export function encodePythonJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = write(value, []);
  } catch (thrown) {
    throw asJsonEncodeError(thrown);
  }
  if (text === undefined) throw new TypeError(`value cannot be encoded as JSON: ${String(value)}`);
  return text;
}

/** A value that writes its own JSON text (e.g. a float that must keep its decimal point). */
export interface PythonJsonRaw {
  toPythonJson(): string;
}

const NEEDS_ESCAPE = /[\u007f-\uffff]/;
/** Strings longer than this are escaped piecewise, so the size limit is checked as the text grows. */
const CHUNK_CHARS = 1 << 16;
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * JSON.stringify, then every code unit from U+007F up as `\uXXXX` (lower-case, as Python). A loop
 * rather than a global regex replace: 4-6x faster, and a replace over tens of millions of matches
 * aborts V8 ("invalid size"), which killed the worker on a 70-million-character result.
 */
function quoteAscii(s: string): string {
  if (s.length <= PLAIN_SCAN_CHARS && isPlainAscii(s)) return `"${s}"`;
  const quoted = JSON.stringify(s);
  if (!NEEDS_ESCAPE.test(quoted)) return quoted;
  let out = '';
  let from = 0;
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted.charCodeAt(i);
    if (c < 0x7f) continue;
    if (i > from) out += quoted.slice(from, i);
    out += `\\u${HEX2[c >> 8] as string}${HEX2[c & 0xff] as string}`;
    from = i + 1;
  }
  return from < quoted.length ? out + quoted.slice(from) : out;
}

/** Strings up to this long are first scanned in JS: most keys and short values need no escaping, and the scan is cheaper than JSON.stringify + a regex. */
const PLAIN_SCAN_CHARS = 256;

/** A code unit JSON.stringify escapes, or one ensure_ascii escapes (U+007F up); a regex scan is ~2.5x a charCodeAt loop. */
const NEEDS_QUOTING = /["\\\x00-\x1f\x7f-\uffff]/;

/** True when every code unit is printable ASCII other than `"` and `\`: JSON.stringify would only add the quotes. */
export function isPlainAscii(s: string): boolean {
  return !NEEDS_QUOTING.test(s);
}

/**
 * `s` as a JSON string literal with `ensure_ascii`, or null when the literal would be longer than
 * `maxChars`. Long strings are escaped in chunks (never splitting a surrogate pair) and the limit is
 * checked chunk by chunk, so neither the regex engine nor the string limit is ever pushed.
 */
export function encodePythonJsonString(s: string, maxChars = Infinity): string | null {
  if (s.length + 2 > maxChars) return null;
  if (s.length <= CHUNK_CHARS) {
    const quoted = quoteAscii(s);
    return quoted.length > maxChars ? null : quoted;
  }
  const parts: string[] = ['"'];
  let total = 2;
  for (let start = 0; start < s.length;) {
    let end = Math.min(start + CHUNK_CHARS, s.length);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
    const quoted = quoteAscii(s.slice(start, end));
    total += quoted.length - 2;
    if (total > maxChars) return null;
    parts.push(quoted.slice(1, -1));
    start = end;
  }
  parts.push('"');
  return parts.join('');
}

function writeString(s: string): string {
  return encodePythonJsonString(s) as string;
}

function tooDeep(): JsonEncodeError {
  return new JsonEncodeError('too-deep', `value is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/** Serialises one value; undefined means "omit" (as JSON.stringify does for undefined/functions/symbols). */
function write(value: unknown, stack: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return 'null';
  const obj = value as Record<string, unknown> & { toJSON?: (key: string) => unknown; toPythonJson?: () => string };
  if (typeof obj.toPythonJson === 'function') return obj.toPythonJson();
  if (typeof obj.toJSON === 'function') return write(obj.toJSON(''), stack);
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) return write(obj.valueOf(), stack);
  if (stack.includes(obj)) throw new TypeError('Converting circular structure to JSON');
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    // the members of this container sit at depth stack.length
    if (stack.length > MAX_JSON_DEPTH && obj.length > 0) throw tooDeep();
    const parts = new Array<string>(obj.length);
    for (let i = 0; i < obj.length; i++) parts[i] = write(obj[i], stack) ?? 'null';
    out = `[${parts.join(', ')}]`;
  } else {
    const keys = Object.keys(obj);
    if (stack.length > MAX_JSON_DEPTH && keys.length > 0) throw tooDeep();
    const parts: string[] = [];
    for (const key of keys) {
      const item = write(obj[key], stack);
      if (item !== undefined) parts.push(`${writeString(key)}: ${item}`);
    }
    out = `{${parts.join(', ')}}`;
  }
  stack.pop();
  return out;
}
