import { MAX_JSON_DEPTH } from './json-encode-error';

/**
 * Parses JSON text as Python's `json.loads` does, with two differences from `JSON.parse` that matter
 * for Celery payloads: integers outside the safe range become `bigint` (Python ints are unbounded, so
 * `2**53 + 1` survives), and `NaN`, `Infinity`, `-Infinity` are accepted (Python writes them).
 * `objectHook` is called on every decoded object, innermost first (Python's `object_hook`).
 * Throws SyntaxError naming the character position.
 */
export function parsePythonJson(text: string, objectHook?: (obj: Record<string, unknown>) => unknown): unknown {
  // Fast path: without long digit runs or NaN/Infinity anywhere, JSON.parse gives the same result, ~4x faster.
  // On a syntax error fall through so the error comes from the parser below, with Python's acceptance rules;
  // on a stack overflow (JSON.parse's reviver recurses per level) too, so deep nesting is refused by position.
  if (!MAY_NEED_PRECISE.test(text)) {
    try {
      return objectHook
        ? JSON.parse(text, (_key, v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? objectHook(v as Record<string, unknown>) : v))
        : JSON.parse(text);
    } catch (err) {
      if (!(err instanceof SyntaxError) && !(err instanceof RangeError)) throw err;
    }
  }
  return parsePythonJsonTolerant(text, objectHook);
}

/**
 * The parser behind `parsePythonJson` without its JSON.parse fast path, for callers that tried
 * JSON.parse themselves and only come here when it failed: accepts exactly what Python's `json.loads`
 * accepts (`NaN`, `Infinity`, `-Infinity`, integers of any size as bigint), nesting up to
 * MAX_JSON_DEPTH. Throws SyntaxError naming the character position.
 */
export function parsePythonJsonTolerant(text: string, objectHook?: (obj: Record<string, unknown>) => unknown): unknown {
  const parser = new Parser(text, objectHook);
  parser.skipWs();
  const value = parser.value(0);
  parser.skipWs();
  if (parser.pos < text.length) parser.fail('extra data');
  return value;
}

const MAY_NEED_PRECISE = /\d{16}|NaN|Infinity/;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const MAX_DEPTH = MAX_JSON_DEPTH;

class Parser {
  pos = 0;

  constructor(private readonly text: string, private readonly hook?: (obj: Record<string, unknown>) => unknown) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.pos}`);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const t = this.text;
    const c = t[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === undefined) this.fail('unexpected end of input');
    for (const [word, val] of LITERALS) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return val;
      }
    }
    return this.number();
  }

  private object(depth: number): unknown {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return this.hook ? this.hook(out) : out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('expected a property name in double quotes');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipWs();
      // defineProperty so a "__proto__" key is stored as data, never as the prototype
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const sep = this.text[this.pos++];
      if (sep === '}') break;
      if (sep !== ',') { this.pos--; this.fail("expected ',' or '}'"); }
    }
    return this.hook ? this.hook(out) : out;
  }

  private array(depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.value(depth + 1));
      this.skipWs();
      const sep = this.text[this.pos++];
      if (sep === ']') return out;
      if (sep !== ',') { this.pos--; this.fail("expected ',' or ']'"); }
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x5c) { escaped = true; i++; continue; }
      if (c === 0x22) break;
    }
    if (i >= t.length) this.fail('unterminated string');
    this.pos = i + 1;
    const raw = t.slice(start, i + 1);
    if (!escaped && !/[\u0000-\u001f]/.test(raw)) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string; // validates escapes and rejects raw control characters, as Python's strict mode
    } catch {
      this.pos = start;
      return this.fail('invalid string');
    }
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('unexpected character');
    this.pos += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  }
}

const LITERALS: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null], ['true', true], ['false', false], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
];
