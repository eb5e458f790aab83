import { MemoryEnrollmentStore } from '../../../../src/tasks/store/memory-enrollment-store';
import { openSqliteDatabase } from '../../../../src/tasks/store/open-sqlite-database';
import { parseSqlTimestamp } from '../../../../src/tasks/store/parse-sql-timestamp';
import { PostgresEnrollmentStore } from '../../../../src/tasks/store/postgres-enrollment-store';
import { PostgresExecutor } from '../../../../src/tasks/store/postgres-executor';
import { SqliteEnrollmentStore } from '../../../../src/tasks/store/sqlite-enrollment-store';
import { SqliteExecutor } from '../../../../src/tasks/store/sqlite-executor';
import type { SqlExecutor } from '../../../../src/tasks/store/sql-executor';
import { Pool } from 'pg';
import { startPostgresServer, type PostgresServer } from '../../../helpers/postgres-server';
import { describeEnrollmentStoreContract } from './enrollment-store-contract';
import { createMemoryBackend, createPostgresBackend, createSqliteBackend } from './lms-store-backends';

async function readSql(sql: SqlExecutor, id: string): Promise<{ progress: number; status: string; completedAt: Date | null }> {
  const row = await sql.get<{ progress_percentage: number; status: string; completed_at: unknown }>(
    'SELECT progress_percentage, status, completed_at FROM enrollments WHERE id = ?', [id]);
  return { progress: Number(row!.progress_percentage), status: row!.status, completedAt: parseSqlTimestamp(row!.completed_at) };
}

describeEnrollmentStoreContract('memory', async () => {
  const b = createMemoryBackend();
  const store = new MemoryEnrollmentStore(b.tables);
  return {
    store, store2: store, seed: b.seed, close: b.close,
    readEnrollment: async (id) => {
      const e = b.tables.enrollments.get(id)!;
      return { progress: e.progressPercentage, status: e.status, completedAt: e.completedAt };
    },
  };
});

describeEnrollmentStoreContract('SQLite (file, two connections)', async () => {
  const b = createSqliteBackend();
  const second = openSqliteDatabase(b.path);
  return {
    store: new SqliteEnrollmentStore(b.sql), store2: new SqliteEnrollmentStore(new SqliteExecutor(second)),
    seed: b.seed, readEnrollment: (id) => readSql(b.sql, id),
    close: async () => { second.close(); await b.close(); },
  };
});

describe('PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => { server = await startPostgresServer(); }, 60_000);
  afterAll(async () => { await server?.stop(); });

  describeEnrollmentStoreContract('PostgreSQL (two pools)', async () => {
    const b = await createPostgresBackend(server);
    const pool2 = new Pool({ connectionString: b.url, max: 2 });
    // PostgreSQL stopping at the end of the file must not surface as an unhandled 'error' of an idle client.
    pool2.on('error', () => undefined);
    return {
      store: new PostgresEnrollmentStore(b.sql), store2: new PostgresEnrollmentStore(new PostgresExecutor(pool2)),
      seed: b.seed, readEnrollment: (id) => readSql(b.sql, id),
      close: async () => { await pool2.end(); await b.close(); },
    };
  });
});
