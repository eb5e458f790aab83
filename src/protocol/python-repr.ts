import { formatPythonNumber } from './kombu-json';
import { microsecondOf } from './python-datetime';

/** How `pythonRepr` writes a value. */
export interface PythonReprOptions {
  /**
   * `saferepr` (default) = Celery's `saferepr`, what `argsrepr`/`kwargsrepr` hold: strings quoted with
   * `'` and only `'` escaped; containers deeper than `maxLevels` shown as `[...]`/`{...}`.
   * `repr` = Python's builtin `repr` (escapes, quote choice), as exception reprs in events use.
   */
  style?: 'saferepr' | 'repr';
  /** Write a top-level array as a tuple: `(2, 3)`, `(1,)`, `()` (Celery's args are tuples). */
  tuple?: boolean;
  /** Approximate length cap as Celery's `argsrepr_maxsize` (1024): the rest becomes `, ...`. */
  maxChars?: number;
  /** Containers nested this deep are elided (saferepr's `maxlevels`, 3). */
  maxLevels?: number;
}

type Token = { kind: 'open' | 'close' | 'sep'; text: string } | { kind: 'leaf'; value: unknown };

/**
 * Python `repr` of a JSON-like value: `None`, `True`/`False`, `'text'`, `[1, 2]`, `{'a': 1}`, tuples
 * for `tuple: true` args, `b'...'` for Buffers, `datetime.datetime(...)` for Dates. Output matches
 * Celery's `saferepr` for everything a JSON message can carry (floats follow Python's repr rules,
 * but JS cannot tell `1.0` from `1`).
 */
export function pythonRepr(value: unknown, options: PythonReprOptions = {}): string {
  const style = options.style ?? 'saferepr';
  const maxLevels = options.maxLevels ?? (style === 'saferepr' ? 3 : Infinity);
  let remaining = options.maxChars ?? Infinity;
  // a lone scalar (a task's usual result) is its own repr: what the loop below writes for it, without the loop
  if (remaining > 0 && !Array.isArray(value) && !isPlainObject(value)) return leafRepr(value, style, remaining);
  let out = '';
  const open: string[] = [];
  const stack: Token[][] = [[{ kind: 'leaf', value }]];
  let top = options.tuple === true;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Token[];
    const token = frame.shift();
    if (token === undefined) { stack.pop(); continue; }
    if (remaining <= 0 && token.kind !== 'close') {
      // as saferepr: mark the cut, then close every open container
      out += ', ...' + open.reverse().join('');
      return out;
    }
    let text: string;
    if (token.kind === 'open') { open.push(closerOf(token.text)); text = token.text; }
    else if (token.kind === 'close') { open.pop(); text = token.text; }
    else if (token.kind === 'sep') text = token.text;
    else {
      const { value: v } = token as { value: unknown };
      const asTuple = top && Array.isArray(v);
      top = false;
      if (Array.isArray(v) || isPlainObject(v)) {
        const [start, end] = asTuple ? ['(', v.length === 1 ? ',)' : ')'] : Array.isArray(v) ? ['[', ']'] : ['{', '}'];
        if (open.length >= maxLevels) { text = `${start}...${end}`; }
        else {
          stack.push([{ kind: 'open', text: start }, ...children(v), { kind: 'close', text: end }]);
          continue;
        }
      } else {
        text = leafRepr(v, style, remaining);
      }
    }
    out += text;
    remaining -= text.length;
  }
  return out;
}

function closerOf(start: string): string {
  return start === '(' ? ')' : start === '[' ? ']' : '}';
}

function children(v: unknown[] | Record<string, unknown>): Token[] {
  const tokens: Token[] = [];
  const entries: Array<[string | null, unknown]> = Array.isArray(v) ? v.map((x) => [null, x]) : Object.entries(v);
  entries.forEach(([k, x], i) => {
    if (i > 0) tokens.push({ kind: 'sep', text: ', ' });
    if (k !== null) tokens.push({ kind: 'leaf', value: k }, { kind: 'sep', text: ': ' });
    tokens.push({ kind: 'leaf', value: x });
  });
  return tokens;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !Buffer.isBuffer(v) && !(v instanceof Uint8Array);
}

function leafRepr(v: unknown, style: 'saferepr' | 'repr', remaining: number): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : Number.isFinite(v) ? formatPythonNumber(v) : v > 0 ? 'inf' : '-inf';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return style === 'repr' ? reprString(v) : `'${truncate(v, remaining).replace(/'/g, "\\'")}'`;
  if (v instanceof Date) return reprDatetime(v);
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return reprBytes(Buffer.from(v.buffer, v.byteOffset, v.byteLength), style);
  return String(v);
}

/** celery.utils.text.truncate: cut at the last space before the limit and add `...`. */
function truncate(s: string, max: number): string {
  if (!Number.isFinite(max) || s.length < max) return s;
  const cut = s.slice(0, Math.max(0, max));
  const space = cut.lastIndexOf(' ');
  return (space >= 0 ? cut.slice(0, space) : cut) + '...';
}

/** Python 3 `str.__repr__`: prefer `'`, switch to `"` when only `'` occurs; escape controls. */
function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') body += '\\\\';
    else if (ch === quote) body += '\\' + ch;
    else if (ch === '\n') body += '\\n';
    else if (ch === '\r') body += '\\r';
    else if (ch === '\t') body += '\\t';
    else if (code < 0x20 || code === 0x7f) body += '\\x' + code.toString(16).padStart(2, '0');
    else if (code >= 0xd800 && code <= 0xdfff) body += '\\u' + code.toString(16).padStart(4, '0');
    else body += ch;
  }
  return quote + body + quote;
}

function reprBytes(buf: Buffer, style: 'saferepr' | 'repr'): string {
  if (style === 'saferepr') {
    // Celery's saferepr writes the UTF-8 text, or hex for binary data
    try {
      return `b'${new TextDecoder('utf-8', { fatal: true }).decode(buf)}'`;
    } catch {
      return `b'${buf.toString('hex')}'`;
    }
  }
  let body = '';
  const quote = buf.includes(0x27) && !buf.includes(0x22) ? '"' : "'";
  for (const b of buf) {
    if (b === 0x5c) body += '\\\\';
    else if (b === quote.charCodeAt(0)) body += '\\' + quote;
    else if (b === 0x0a) body += '\\n';
    else if (b === 0x0d) body += '\\r';
    else if (b === 0x09) body += '\\t';
    else if (b < 0x20 || b >= 0x7f) body += '\\x' + b.toString(16).padStart(2, '0');
    else body += String.fromCharCode(b);
  }
  return `b${quote}${body}${quote}`;
}

function reprDatetime(d: Date): string {
  if (!Number.isFinite(d.getTime())) return 'None';
  const parts = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  const micro = microsecondOf(d);
  // Python drops trailing zero fields (seconds, microseconds) from the repr
  if (micro !== 0) parts.push(micro);
  else while (parts.length > 5 && parts[parts.length - 1] === 0) parts.pop();
  return `datetime.datetime(${parts.join(', ')}, tzinfo=datetime.timezone.utc)`;
}
