import { Pool } from 'pg';
import { MemoryCertificateStore } from '../../../../src/tasks/certificate/memory-certificate-store';
import { openSqliteDatabase } from '../../../../src/tasks/store/open-sqlite-database';
import { PostgresExecutor } from '../../../../src/tasks/store/postgres-executor';
import { SqlCertificateStore } from '../../../../src/tasks/store/sql-certificate-store';
import { SqliteExecutor } from '../../../../src/tasks/store/sqlite-executor';
import { startPostgresServer, type PostgresServer } from '../../../helpers/postgres-server';
import { COMPLETED_AT, describeCertificateStoreContract } from './certificate-store-contract';
import { buildCourseFixture } from './lms-fixtures';
import { createPostgresBackend, createSqliteBackend } from './lms-store-backends';

function fixture() {
  const rows = buildCourseFixture(2);
  rows.enrollments = rows.enrollments!.map((e) => (e.id === 'e1' ? { ...e, status: 'completed' as const, completedAt: COMPLETED_AT } : e));
  return rows;
}

describeCertificateStoreContract('memory', async () => {
  const store = new MemoryCertificateStore();
  store.addEnrollment({ enrollmentId: 'e1', studentId: 'u1', studentName: 'Ada Lovelace', studentEmail: 'ada@example.com', courseId: 'c1', courseTitle: 'Analytical Engines', completedAt: COMPLETED_AT });
  store.addEnrollment({ enrollmentId: 'e2', studentId: 'u2', studentName: 'Alan Turing', studentEmail: 'alan@example.com', courseId: 'c1', courseTitle: 'Analytical Engines', completedAt: null });
  return { store, store2: store, close: async () => undefined };
});

describeCertificateStoreContract('SQLite', async () => {
  const b = createSqliteBackend();
  await b.seed(fixture());
  const second = openSqliteDatabase(b.path);
  return { store: new SqlCertificateStore(b.sql), store2: new SqlCertificateStore(new SqliteExecutor(second)), close: async () => { second.close(); await b.close(); } };
});

describe('PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => { server = await startPostgresServer(); }, 60_000);
  afterAll(async () => { await server?.stop(); });
  describeCertificateStoreContract('PostgreSQL', async () => {
    const b = await createPostgresBackend(server);
    await b.seed(fixture());
    const pool2 = new Pool({ connectionString: b.url, max: 2 });
    // PostgreSQL stopping at the end of the file must not surface as an unhandled 'error' of an idle client.
    pool2.on('error', () => undefined);
    return { store: new SqlCertificateStore(b.sql), store2: new SqlCertificateStore(new PostgresExecutor(pool2)), close: async () => { await pool2.end(); await b.close(); } };
  });
});
