/**
 * A Date that remembers Python's microsecond precision, so an ISO timestamp read from the wire
 * (`2026-11-21T04:22:06.375670+00:00`) is written back byte-for-byte. Behaves as a plain Date.
 */
export class PythonDatetime extends Date {
  /** Microseconds within the second, 0..999999 (the Date itself keeps only the milliseconds). */
  readonly microsecond: number;

  constructor(epochMs: number, microsecond: number) {
    super(epochMs);
    this.microsecond = microsecond;
  }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?$/;

/**
 * Parses what Python's `datetime.fromisoformat` accepts (3.11): date, optional time with up to
 * microseconds, optional `Z`/`±HH:MM` offset. Naive values are taken as UTC (Celery's default
 * timezone). Returns null when the text is not such a timestamp.
 */
export function parsePythonDatetime(text: string): PythonDatetime | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as
    [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  const microsecond = Number(fraction);
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(microsecond / 1000));
  if (year < 100) ms = shiftYear(ms, year);
  const offset = m[8];
  if (offset && offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(/:/g, '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4) || '0');
    const os = Number(digits.slice(4) || '0');
    if (oh > 23 || om > 59) return null;
    ms -= sign * ((oh * 60 + om) * 60 + os) * 1000;
  }
  if (!Number.isFinite(ms)) return null;
  return new PythonDatetime(ms, microsecond);
}

/**
 * Formats an instant as Python's aware-UTC `datetime.isoformat()`: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`
 * (the fraction is omitted when the microseconds are 0, as Python does). Keeps the microseconds of a
 * PythonDatetime. Throws RangeError for an invalid Date.
 */
export function formatPythonDatetime(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
  // The text of a plain Date depends on its milliseconds alone, and the results a worker stores in one
  // millisecond share their date_done: the last one is reused (~0.7 µs each otherwise).
  const plain = Object.getPrototypeOf(date) === Date.prototype;
  if (plain && ms === lastFormatted.ms) return lastFormatted.text;
  const micro = microsecondOf(date);
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)
  const base = iso.slice(0, 19);
  const text = `${base}${micro === 0 ? '' : '.' + String(micro).padStart(6, '0')}+00:00`;
  if (plain) {
    lastFormatted.ms = ms;
    lastFormatted.text = text;
  }
  return text;
}

/** The last plain Date formatted (a PythonDatetime or other subclass is always formatted anew). */
const lastFormatted = { ms: NaN, text: '' };

/** Microseconds within the second of a Date, using the PythonDatetime precision when consistent. */
export function microsecondOf(date: Date): number {
  const msPart = date.getUTCMilliseconds();
  if (date instanceof PythonDatetime && Math.floor(date.microsecond / 1000) === msPart) return date.microsecond;
  return msPart * 1000;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() + (month === 2 && !isLeap(year) ? -1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Date.UTC maps years 0..99 to 1900..1999; put them back. */
function shiftYear(ms: number, year: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(year);
  return d.getTime();
}
