/** A value bound to a `?` placeholder. Dates become TIMESTAMPTZ (PostgreSQL) or UTC ISO text (SQLite). */
export type SqlValue = string | number | bigint | null | Date | boolean;

/**
 * One-statement access to the shared database, one SQL text for both dialects (`?` placeholders;
 * timestamp comparisons through `buildTimestampExpr`). A single statement is atomic on its own;
 * multi-statement transactions live in the dialect-specific stores.
 */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Rows of a query. */
  all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** First row or undefined. */
  get<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; resolves with the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** Which SQL the executor speaks. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * SQL that compares two timestamps in either dialect: SQLite stores text in more than one format
 * (ours is ISO with `T` and `Z`, SQLAlchemy writes `YYYY-MM-DD HH:MM:SS`), so it compares julian days.
 */
export function buildTimestampExpr(dialect: SqlDialect, expr: string): string {
  return dialect === 'sqlite' ? `julianday(${expr})` : expr;
}
