import { PythonDatetime } from './python-datetime';

/**
 * A deep copy of a decoded wire value (what `decodeKombuJson` gives: plain objects, arrays,
 * primitives, bigint, Buffer for Python bytes, Date / PythonDatetime for datetimes) that keeps each
 * value's type. `structuredClone` does not: a Buffer comes back as a bare Uint8Array and a
 * PythonDatetime as a Date without its microseconds, so a task given a copied signature's `bytes`
 * argument would see another type than from the message itself.
 */
export function cloneWireValue<T>(value: T): T {
  return copy(value, 0) as T;
}

/** Deeper than any message the decoder accepts; a cycle (never produced by a decoder) stops here. */
const MAX_DEPTH = 1000;

function copy(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new RangeError(`wire value nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof PythonDatetime) return new PythonDatetime(value.getTime(), value.microsecond);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1));
  // Anything else that is not a plain object (a class instance a TypeScript caller passed) is kept
  // as it is: copying it field by field would lose its type, and the encoder decides what it means.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copy(v, depth + 1);
  return out;
}
