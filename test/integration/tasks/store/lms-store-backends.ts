import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { Database } from 'better-sqlite3';
import { insertLmsRows } from '../../../../src/tasks/store/insert-lms-rows';
import type { LmsRows } from '../../../../src/tasks/store/lms-rows';
import { MemoryLmsTables } from '../../../../src/tasks/store/memory-lms-tables';
import { migratePostgresLmsSchema, migrateSqliteLmsSchema } from '../../../../src/tasks/store/migrate-lms-schema';
import { openSqliteDatabase } from '../../../../src/tasks/store/open-sqlite-database';
import { PostgresExecutor } from '../../../../src/tasks/store/postgres-executor';
import { SqliteExecutor } from '../../../../src/tasks/store/sqlite-executor';
import type { PostgresServer } from '../../../helpers/postgres-server';

/** One fresh, migrated database of each kind, with a seeding function; close() releases it. */
export interface MemoryBackend { kind: 'memory'; tables: MemoryLmsTables; seed(rows: LmsRows): Promise<void>; close(): Promise<void> }
export interface SqliteBackend { kind: 'sqlite'; path: string; db: Database; sql: SqliteExecutor; seed(rows: LmsRows): Promise<void>; close(): Promise<void> }
export interface PostgresBackend { kind: 'postgres'; url: string; pool: Pool; sql: PostgresExecutor; seed(rows: LmsRows): Promise<void>; close(): Promise<void> }

export function createMemoryBackend(): MemoryBackend {
  const tables = new MemoryLmsTables();
  return { kind: 'memory', tables, seed: async (rows) => tables.insert(rows), close: async () => undefined };
}

/** A SQLite file in its own temp dir (removed on close). */
export function createSqliteBackend(): SqliteBackend {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-sqlite-'));
  const path = join(dir, 'lms.sqlite3');
  const db = openSqliteDatabase(path, { busyTimeoutMs: 5000 });
  migrateSqliteLmsSchema(db);
  const sql = new SqliteExecutor(db);
  return {
    kind: 'sqlite', path, db, sql, seed: (rows) => insertLmsRows(sql, rows),
    close: async () => { db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

let pgCounter = 0;

/** A new database on the private server (one per test), migrated. */
export async function createPostgresBackend(server: PostgresServer): Promise<PostgresBackend> {
  const url = await server.createDatabase(`lms_${process.pid}_${++pgCounter}`);
  const pool = new Pool({ connectionString: url, max: 5 });
  // PostgreSQL stopping at the end of the file must not surface as an unhandled 'error' of an idle client.
  pool.on('error', () => undefined);
  await migratePostgresLmsSchema(pool);
  const sql = new PostgresExecutor(pool);
  return { kind: 'postgres', url, pool, sql, seed: (rows) => insertLmsRows(sql, rows), close: () => pool.end() };
}
