import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import { POSTGRES_LMS_SCHEMA, SQLITE_LMS_SCHEMA } from './lms-schema';
import { StoreError } from './store-error';

/** Key of the advisory lock that keeps two migrators (workers, the Python app) from running at once; lms_api/db.py takes the same. */
const PG_MIGRATION_LOCK = 0x63656c72; // 'celr'

/** Creates the missing LMS tables in a SQLite database, in one transaction. Safe to run every start. */
export function migrateSqliteLmsSchema(db: Database): void {
  try {
    db.transaction(() => {
      for (const stmt of SQLITE_LMS_SCHEMA) db.exec(stmt);
    }).immediate();
  } catch (err) {
    throw new StoreError('CELERIAC_STORE_MIGRATION_FAILED', `cannot create the LMS schema in SQLite: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Creates the missing LMS tables in PostgreSQL, in one transaction under an advisory lock (two
 * workers starting together would otherwise race on `CREATE TABLE IF NOT EXISTS`'s catalog insert).
 */
export async function migratePostgresLmsSchema(pool: Pool): Promise<void> {
  let client;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new StoreError('CELERIAC_STORE_MIGRATION_FAILED', `cannot connect to PostgreSQL to create the LMS schema: ${(err as Error).message}`, { cause: err });
  }
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [PG_MIGRATION_LOCK]);
    for (const stmt of POSTGRES_LMS_SCHEMA) await client.query(stmt);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new StoreError('CELERIAC_STORE_MIGRATION_FAILED', `cannot create the LMS schema in PostgreSQL: ${(err as Error).message}`, { cause: err });
  } finally {
    client.release();
  }
}
