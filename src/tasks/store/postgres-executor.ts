import type { Pool, PoolClient } from 'pg';
import { StoreError } from './store-error';
import type { SqlExecutor, SqlValue } from './sql-executor';

/**
 * Rewrites `?` placeholders as `$1, $2, ...` so the stores write one SQL text for both dialects.
 * Our statements hold no `?` inside string literals; a quoted `?` is left alone anyway.
 */
export function buildPostgresPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

/** A pool or a single checked-out client (inside a transaction). */
export type PgQueryable = Pick<Pool, 'query'> | PoolClient;

/** Runs one statement on a pg pool or client, with `?` placeholders; failures become StoreError. */
export async function queryPostgres<T extends object>(db: PgQueryable, sql: string, params: readonly SqlValue[] = []): Promise<{ rows: T[]; rowCount: number }> {
  try {
    const res = await db.query(buildPostgresPlaceholders(sql), params as unknown[]);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  } catch (err) {
    throw new StoreError('CELERIAC_STORE_QUERY_FAILED', `PostgreSQL statement failed: ${(err as Error).message} (${sql.split('\n')[0]!.trim()})`, { cause: err });
  }
}

/** SqlExecutor over a pg Pool. */
export class PostgresExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;

  constructor(readonly pool: Pool) {}

  async all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return (await queryPostgres<T>(this.pool, sql, params)).rows;
  }

  async get<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return (await queryPostgres<T>(this.pool, sql, params)).rows[0];
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return (await queryPostgres(this.pool, sql, params)).rowCount;
  }

  /**
   * Runs `fn` in one transaction on a dedicated client: COMMIT when it resolves, ROLLBACK when it
   * throws. Row locks taken inside (`SELECT ... FOR UPDATE`) serialise concurrent writers.
   */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new StoreError('CELERIAC_STORE_QUERY_FAILED', `cannot connect to PostgreSQL: ${(err as Error).message}`, { cause: err });
    }
    let broken: unknown;
    try {
      await queryPostgres(client, 'BEGIN');
      const result = await fn(client);
      await queryPostgres(client, 'COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => { broken = rollbackErr; });
      throw err;
    } finally {
      // A client whose ROLLBACK failed is in an unknown state: destroy it instead of pooling it.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}
