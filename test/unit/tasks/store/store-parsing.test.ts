import { parseDatabaseUrl } from '../../../../src/tasks/store/parse-database-url';
import { parseSqlTimestamp } from '../../../../src/tasks/store/parse-sql-timestamp';
import { buildPostgresPlaceholders } from '../../../../src/tasks/store/postgres-executor';
import { StoreError } from '../../../../src/tasks/store/store-error';
import { POSTGRES_LMS_SCHEMA, SQLITE_LMS_SCHEMA } from '../../../../src/tasks/store/lms-schema';

describe('parseDatabaseUrl', () => {
  it('picks PostgreSQL for postgres URLs (SQLAlchemy driver suffix dropped), SQLite otherwise', () => {
    expect(parseDatabaseUrl('postgresql://u:p@db:5432/lms', 'x.db')).toEqual({ kind: 'postgres', connectionString: 'postgresql://u:p@db:5432/lms' });
    expect(parseDatabaseUrl('postgres://db/lms', 'x.db')).toEqual({ kind: 'postgres', connectionString: 'postgres://db/lms' });
    expect(parseDatabaseUrl('postgresql+psycopg://db/lms', 'x.db')).toEqual({ kind: 'postgres', connectionString: 'postgresql://db/lms' });
    expect(parseDatabaseUrl('sqlite:////var/lib/lms.db', 'x.db')).toEqual({ kind: 'sqlite', path: '/var/lib/lms.db' });
    expect(parseDatabaseUrl('sqlite:///data/lms.db', 'x.db')).toEqual({ kind: 'sqlite', path: 'data/lms.db' });
    expect(parseDatabaseUrl(undefined, 'x.db')).toEqual({ kind: 'sqlite', path: 'x.db' });
    expect(parseDatabaseUrl('  ', 'x.db')).toEqual({ kind: 'sqlite', path: 'x.db' });
  });

  it('refuses other schemes and malformed sqlite URLs with a StoreError', () => {
    for (const bad of ['mysql://db/lms', 'sqlite://lms.db', 'sqlite:///', 'lms.db']) {
      expect(() => parseDatabaseUrl(bad, 'x.db')).toThrow(StoreError);
    }
    expect(() => parseDatabaseUrl('mysql://u:secret@db/lms', 'x')).toThrow(/unsupported scheme mysql/);
    expect(() => parseDatabaseUrl('mysql://u:secret@db/lms', 'x')).not.toThrow(/secret/);
  });
});

describe('parseSqlTimestamp', () => {
  it('reads Dates, our ISO text and SQLAlchemy text (as UTC)', () => {
    const d = new Date('2026-03-01T10:00:00.000Z');
    expect(parseSqlTimestamp(d)).toBe(d);
    expect(parseSqlTimestamp('2026-03-01T10:00:00.000Z')).toEqual(d);
    expect(parseSqlTimestamp('2026-03-01 10:00:00')).toEqual(d);
    expect(parseSqlTimestamp('2026-03-01 10:00:00.000000')).toEqual(d);
    expect(parseSqlTimestamp('2026-03-01 12:00:00+02:00')).toEqual(d);
    expect(parseSqlTimestamp(null)).toBeNull();
    expect(parseSqlTimestamp('garbage')).toBeNull();
  });
});

describe('buildPostgresPlaceholders', () => {
  it('numbers ? outside quotes', () => {
    expect(buildPostgresPlaceholders("SELECT ? , '?' FROM t WHERE a = ? AND b = ?")).toBe("SELECT $1 , '?' FROM t WHERE a = $2 AND b = $3");
  });
});

describe('LMS schema', () => {
  it('creates the same tables in both dialects, idempotently', () => {
    const tables = (stmts: readonly string[]) => stmts.map((s) => /CREATE TABLE IF NOT EXISTS (\w+)/.exec(s)?.[1]).filter(Boolean);
    expect(tables(SQLITE_LMS_SCHEMA)).toEqual(['users', 'courses', 'lessons', 'enrollments', 'lesson_completions', 'certificates', 'sessions', 'notifications', 'outbound_messages']);
    expect(tables(POSTGRES_LMS_SCHEMA)).toEqual(tables(SQLITE_LMS_SCHEMA));
    for (const s of [...SQLITE_LMS_SCHEMA, ...POSTGRES_LMS_SCHEMA]) expect(s).toMatch(/^CREATE (TABLE|INDEX) IF NOT EXISTS /);
  });
});
