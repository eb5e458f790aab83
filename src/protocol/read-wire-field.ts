import { parsePythonDatetime } from './python-datetime';

/**
 * Typed readers for wire fields. Each returns the value or throws a plain Error whose message names
 * the field (`header "retries" must be an integer, got "x"`); the caller wraps it with a code.
 */
export class WireFieldReader {
  constructor(private readonly source: Record<string, unknown>, private readonly where: string) {}

  private fail(key: string, want: string, got: unknown): never {
    throw new WireFieldError(`${this.where} "${key}" must be ${want}, got ${describe(got)}`, key);
  }

  /** True when the key is present (even with a null value). */
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.source, key);
  }

  /** The raw value. */
  raw(key: string): unknown {
    return this.has(key) ? this.source[key] : undefined;
  }

  /** A string; null/missing → null. */
  optString(key: string): string | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(key, 'a string or null', v);
    return v;
  }

  /** A non-empty string, required. */
  string(key: string): string {
    const v = this.raw(key);
    if (typeof v !== 'string' || v === '') this.fail(key, 'a non-empty string', v);
    return v;
  }

  /** An integer; null/missing → fallback. */
  int<T extends number | null>(key: string, fallback: T): number | T {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(key, 'an integer', v);
    return v;
  }

  /** A boolean; null/missing → false. */
  bool(key: string): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') this.fail(key, 'a boolean', v);
    return v;
  }

  /** A JSON object; null/missing → fallback. */
  map<T extends Record<string, unknown> | null>(key: string, fallback: T): Record<string, unknown> | T {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (!isRecord(v)) this.fail(key, 'an object', v);
    return v;
  }

  /** A list of strings or null. */
  stringList(key: string): string[] | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(key, 'a list of strings or null', v);
    return v as string[];
  }

  /** A list of objects (signatures) or null. */
  objectList(key: string): Record<string, unknown>[] | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v) || !v.every(isRecord)) this.fail(key, 'a list of objects or null', v);
    return v as Record<string, unknown>[];
  }

  /** `[hard, soft]` seconds, each a number or null; null/missing → both null. */
  timeLimit(key: string): { hard: number | null; soft: number | null } {
    const v = this.raw(key);
    if (v === undefined || v === null) return { hard: null, soft: null };
    const ok = (x: unknown): boolean => x === null || (typeof x === 'number' && Number.isFinite(x) && x >= 0);
    if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) this.fail(key, '[hard, soft] numbers or nulls', v);
    return { hard: v[0] as number | null, soft: v[1] as number | null };
  }

  /** ISO-8601 instant or null (empty string = null, as Celery's `maybe_iso8601`). */
  isoDate(key: string): Date | null {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') this.fail(key, 'an ISO-8601 string or null', v);
    const date = parsePythonDatetime(v);
    if (!date) this.fail(key, 'an ISO-8601 datetime', v);
    return date;
  }
}

/** Raised by WireFieldReader; `field` names the offending key. */
export class WireFieldError extends Error {
  constructor(message: string, readonly field: string) {
    super(message);
  }
}

/** True for a JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const text = JSON.stringify(v) ?? String(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof v;
  }
}
