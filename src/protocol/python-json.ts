/**
 * JSON text exactly as Python's `json.dumps` writes it with kombu's defaults: `", "` and `": "`
 * separators and `ensure_ascii` (every non-ASCII code unit escaped as lower-case `\uXXXX`, so astral
 * characters become surrogate pairs). Byte-compatible output for everything JS can represent
 * (JS cannot tell `1.0` from `1`; both are written `1`).
 */
export function encodePythonJson(value: unknown): string {
  const text = JSON.stringify(value, null, 0);
  if (text === undefined) throw new TypeError(`value cannot be encoded as JSON: ${String(value)}`);
  return reformat(text);
}

/** Re-spaces compact JSON.stringify output and ASCII-escapes string contents, in one pass. */
function reformat(compact: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i] as string;
    const code = compact.charCodeAt(i);
    if (inString) {
      if (ch === '\\') {
        out += ch + (compact[i + 1] ?? '');
        i++;
      } else if (ch === '"') {
        inString = false;
        out += ch;
      } else if (code > 0x7e) {
        out += '\\u' + code.toString(16).padStart(4, '0');
      } else {
        out += ch;
      }
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === ',') {
      out += ', ';
    } else if (ch === ':') {
      out += ': ';
    } else {
      out += ch;
    }
  }
  return out;
}
