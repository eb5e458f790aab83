/**
 * AMQP field-table values as py-amqp writes and reads them (amqp/serialization.py, amqp 5.4.2).
 *
 * amqplib guesses the narrowest integer type for a JS number (`b` int8, `s` int16), which py-amqp
 * ≤ 5.3 reads wrongly (`s` as a short string); py-amqp itself writes every int as `I` (int32) or,
 * beyond it, a signed 64-bit. So integers are encoded explicitly typed: `I` in the int32 range, `l`
 * beyond (RabbitMQ's signed 64-bit; py-amqp reads it signed). Pure: no I/O.
 */

/** amqplib's "typed value" escape hatch: `{ '!': type, value }`. */
interface TypedValue {
  '!': string;
  value: unknown;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** One header/argument value with every integer typed as py-amqp would write it. */
export function encodeTableValue(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { '!': 'double', value } satisfies TypedValue;
    if (value >= INT32_MIN && value <= INT32_MAX) return { '!': 'int', value } satisfies TypedValue;
    return { '!': 'long', value } satisfies TypedValue;
  }
  if (typeof value === 'bigint') return { '!': 'long', value: value.toString() } satisfies TypedValue;
  if (Array.isArray(value)) return value.map(encodeTableValue);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return encodeTable(value as Record<string, unknown>);
  return value;
}

/** A headers/arguments table ready for amqplib, `undefined` entries dropped. */
export function encodeTable(table: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(table)) if (v !== undefined) out[key] = encodeTableValue(v);
  return out;
}

/**
 * A decoded table back to plain JSON-like values: amqplib hands timestamps and decimals as
 * `{ '!': type, value }`; they become numbers (seconds since the epoch, the decimal's value).
 */
export function decodeTableValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeTableValue);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const typed = value as Partial<TypedValue>;
  if (typed['!'] === 'timestamp' && typeof typed.value === 'number') return typed.value;
  if (typed['!'] === 'decimal') {
    const d = typed.value as { places: number; digits: number };
    return d.digits / 10 ** d.places;
  }
  return decodeTable(value as Record<string, unknown>);
}

/** A decoded headers table as plain values. */
export function decodeTable(table: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(table ?? {})) out[key] = decodeTableValue(v);
  return out;
}
