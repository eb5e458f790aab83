import type { Database, Statement } from 'better-sqlite3';
import { StoreError } from './store-error';
import type { SqlExecutor, SqlValue } from './sql-executor';

/** Binds values the way our SQLite schema stores them: Date → UTC ISO text, boolean → 0/1. */
export function toSqliteValue(value: SqlValue): string | number | bigint | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** SqlExecutor over one better-sqlite3 connection (synchronous underneath; statements are cached). */
export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  /** A prepared statement for `sql`, prepared once per connection. */
  prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.wrap(sql, () => this.prepare(sql).all(...params.map(toSqliteValue)) as T[]);
  }

  async get<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.wrap(sql, () => this.prepare(sql).get(...params.map(toSqliteValue)) as T | undefined);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.wrap(sql, () => this.prepare(sql).run(...params.map(toSqliteValue)).changes);
  }

  private wrap<T>(sql: string, fn: () => T): T {
    if (!this.db.open) throw new StoreError('CELERIAC_STORE_CLOSED', 'the SQLite database is closed');
    try {
      return fn();
    } catch (err) {
      throw new StoreError('CELERIAC_STORE_QUERY_FAILED', `SQLite statement failed: ${(err as Error).message} (${sql.split('\n')[0]!.trim()})`, { cause: err });
    }
  }
}
