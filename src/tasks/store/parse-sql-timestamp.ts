/**
 * Reads a timestamp column: pg returns Date for TIMESTAMPTZ; SQLite returns our ISO text or, for rows
 * the Python app wrote through SQLAlchemy, `YYYY-MM-DD HH:MM:SS[.ffffff]` without a zone (taken as UTC).
 */
export function parseSqlTimestamp(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value).trim();
  const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text);
  const date = new Date(hasZone ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** parseSqlTimestamp for a NOT NULL column: throws instead of returning null. */
export function parseRequiredSqlTimestamp(value: unknown, column: string): Date {
  const date = parseSqlTimestamp(value);
  if (date === null) throw new TypeError(`column ${column} holds no readable timestamp: ${String(value)}`);
  return date;
}
