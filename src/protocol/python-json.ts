/**
 * JSON text exactly as Python's `json.dumps` writes it with kombu's defaults: `", "` and `": "`
 * separators and `ensure_ascii` (every code unit outside printable ASCII escaped as lower-case
 * `\uXXXX`, so astral characters become surrogate pairs). Byte-compatible output for everything JS can
 * represent (JS cannot tell `1.0` from `1`: a value with a `toPythonJson()` method, such as
 * PythonFloat, writes its own text). Otherwise the semantics are `JSON.stringify`'s: `toJSON()` is
 * honoured, undefined/functions/symbols are dropped from objects and become `null` in arrays,
 * non-finite numbers become `null`, and cycles and bigints throw TypeError.
 */
export function encodePythonJson(value: unknown): string {
  const text = write(value, []);
  if (text === undefined) throw new TypeError(`value cannot be encoded as JSON: ${String(value)}`);
  return text;
}

/** A value that writes its own JSON text (e.g. a float that must keep its decimal point). */
export interface PythonJsonRaw {
  toPythonJson(): string;
}

const NEEDS_ESCAPE = /[\u007f-\uffff]/;
const ESCAPE_ALL = /[\u007f-\uffff]/g;

function escapeChar(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function writeString(s: string): string {
  const quoted = JSON.stringify(s);
  return NEEDS_ESCAPE.test(quoted) ? quoted.replace(ESCAPE_ALL, escapeChar) : quoted;
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
    const parts = new Array<string>(obj.length);
    for (let i = 0; i < obj.length; i++) parts[i] = write(obj[i], stack) ?? 'null';
    out = `[${parts.join(', ')}]`;
  } else {
    const parts: string[] = [];
    for (const key of Object.keys(obj)) {
      const item = write(obj[key], stack);
      if (item !== undefined) parts.push(`${writeString(key)}: ${item}`);
    }
    out = `{${parts.join(', ')}}`;
  }
  stack.pop();
  return out;
}
