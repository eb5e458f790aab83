import { randomBytes } from 'node:crypto';
import { encodePythonJson } from '../python-json';

/**
 * A number that must reach Python as a `float` even when it is integral (`2.0`, not `2`): JS cannot
 * tell them apart, and some readers check the type (LimitedSet.update raises "Expecting float
 * timestamp" for an int).
 */
export class PythonFloat {
  /** The value. */
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }

  /** The text Python's `repr(float)` gives for common values (`2.0`, `0.57`, `1795234917.9162476`). */
  toPythonText(): string {
    const v = this.value;
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
    return String(v);
  }
}

/** Marks `value` to be written as a Python float. */
export function pyFloat(value: number): PythonFloat {
  return new PythonFloat(value);
}

/**
 * `encodePythonJson`, but every PythonFloat is written with its decimal point. Floats travel as
 * string tokens carrying a per-call random nonce, so no user string can be mistaken for one.
 */
export function encodePythonJsonWithFloats(value: unknown): string {
  const nonce = randomBytes(8).toString('hex');
  const token = `pyfloat-${nonce}:`;
  const floats: string[] = [];
  const replaced = replaceFloats(value, (f) => {
    floats.push(f.toPythonText());
    return `${token}${floats.length - 1}`;
  });
  const text = encodePythonJson(replaced);
  if (floats.length === 0) return text;
  return text.replace(new RegExp(`"${token}(\\d+)"`, 'g'), (_m, index: string) => floats[Number(index)] as string);
}

/** Deep copy of plain JSON data with PythonFloat instances swapped for tokens (other objects kept as is). */
function replaceFloats(value: unknown, swap: (f: PythonFloat) => string): unknown {
  if (value instanceof PythonFloat) return swap(value);
  if (Array.isArray(value)) return value.map((item) => replaceFloats(item, swap));
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = replaceFloats(item, swap);
    return out;
  }
  return value;
}
