/** Python `reprlib`-style limit Celery applies to `argsrepr`/`kwargsrepr` (amqp.argsrepr_maxsize). */
export const REPR_MAX_CHARS = 1024;

/**
 * Python `repr()` of a JSON value, as Celery writes `argsrepr`/`kwargsrepr`: `None`/`True`/`False`,
 * single-quoted strings (double quotes when the text holds `'` but no `"`), `[...]`, `{'k': v}`.
 * `asTuple` renders a top-level array as a tuple (`(5,)`). Output is cut at `maxChars` with `...`,
 * as `saferepr` does. Only for logs and events: never parsed back.
 */
export function pythonRepr(value: unknown, options: { asTuple?: boolean; maxChars?: number } = {}): string {
  const text = reprValue(value, options.asTuple === true);
  const max = options.maxChars ?? REPR_MAX_CHARS;
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function reprValue(value: unknown, asTuple: boolean): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => reprValue(v, false));
    if (!asTuple) return `[${items.join(', ')}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${reprString(k)}: ${reprValue(v, false)}`);
    return `{${entries.join(', ')}}`;
  }
  return reprString(String(value));
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
