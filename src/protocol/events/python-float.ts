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

  /** Written as a float by encodePythonJson. */
  toPythonJson(): string {
    return this.toPythonText();
  }

  /** The text Python's `repr(float)` gives for common values (`2.0`, `0.57`, `1795234917.9162476`). */
  toPythonText(): string {
    return pythonFloatText(this.value);
  }
}

/** The text Python's `repr(float)` gives for `value` (what a PythonFloat writes). */
export function pythonFloatText(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v);
}

/** Marks `value` to be written as a Python float. */
export function pyFloat(value: number): PythonFloat {
  return new PythonFloat(value);
}

/** `encodePythonJson` with PythonFloat support; kept as a name for callers (PythonFloat writes itself). */
export function encodePythonJsonWithFloats(value: unknown): string {
  return encodePythonJson(value);
}
