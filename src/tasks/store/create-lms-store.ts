import { Pool } from 'pg';
import type { MessageSender } from '../bulk/message-sender';
import type { CertificateStore } from '../certificate/certificate-store';
import type { NotificationStore } from '../bulk/notification-store';
import type { HealthProbe } from '../cleanup/health-probe';
import type { SessionStore } from '../cleanup/session-store';
import type { StudentExportSource } from '../export/student-export-source';
import type { EnrollmentStore } from '../progress/enrollment-store';
import type { StudentReportSource } from '../report/student-report-source';
import { migratePostgresLmsSchema, migrateSqliteLmsSchema } from './migrate-lms-schema';
import { openSqliteDatabase } from './open-sqlite-database';
import { parseDatabaseUrl } from './parse-database-url';
import { PostgresEnrollmentStore } from './postgres-enrollment-store';
import { PostgresExecutor } from './postgres-executor';
import { createSqlDatabaseProbe } from './sql-database-probe';
import type { SqlExecutor } from './sql-executor';
import { SqlCertificateStore } from './sql-certificate-store';
import { SqlMessageOutbox } from './sql-message-outbox';
import { SqlNotificationStore } from './sql-notification-store';
import { SqlSessionStore } from './sql-session-store';
import { SqlStudentQueries } from './sql-student-queries';
import { SqliteEnrollmentStore } from './sqlite-enrollment-store';
import { SqliteExecutor } from './sqlite-executor';

/** Options of createLmsStore. */
export interface LmsStoreOptions {
  /** `DATABASE_URL`: postgresql://... for PostgreSQL, sqlite:///path or unset for SQLite. */
  databaseUrl?: string;
  /** SQLite file when `databaseUrl` is unset (default `lms.db`, as lms_api's LMS_SQLITE_PATH). */
  sqlitePath?: string;
  /** Create missing tables on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /** SQLite busy timeout (default 15 s). */
  busyTimeoutMs?: number;
}

/** Every store the task families take, on one database connection (pool); close() ends it. */
export interface LmsStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly sql: SqlExecutor;
  readonly enrollments: EnrollmentStore;
  /** The certificate family's store. */
  readonly certificates: CertificateStore;
  readonly notifications: NotificationStore;
  /** MessageSender that queues into `outbound_messages`. */
  readonly messageOutbox: MessageSender;
  readonly studentReports: StudentReportSource;
  readonly studentExport: StudentExportSource;
  readonly sessions: SessionStore;
  /** `periodic_health_check`'s database probe. */
  readonly databaseProbe: HealthProbe;
  /** Closes the connection or pool. Idempotent. */
  close(): Promise<void>;
}

function buildStores(sql: SqlExecutor, enrollments: EnrollmentStore, close: () => Promise<void>): LmsStore {
  const queries = new SqlStudentQueries(sql);
  let closed: Promise<void> | undefined;
  return {
    dialect: sql.dialect, sql, enrollments, certificates: new SqlCertificateStore(sql),
    notifications: new SqlNotificationStore(sql), messageOutbox: new SqlMessageOutbox(sql),
    studentReports: queries, studentExport: queries, sessions: new SqlSessionStore(sql),
    databaseProbe: createSqlDatabaseProbe(sql),
    close: () => (closed ??= close()),
  };
}

/**
 * Opens the shared LMS database (SQLite or PostgreSQL, by `databaseUrl`), creates missing tables,
 * and returns the stores. The app module calls this once and hands the stores to the families.
 */
export async function createLmsStore(options: LmsStoreOptions = {}): Promise<LmsStore> {
  const target = parseDatabaseUrl(options.databaseUrl, options.sqlitePath ?? 'lms.db');
  if (target.kind === 'sqlite') {
    const db = openSqliteDatabase(target.path, options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {});
    try {
      if (options.migrate !== false) migrateSqliteLmsSchema(db);
    } catch (err) {
      db.close();
      throw err;
    }
    const sql = new SqliteExecutor(db);
    return buildStores(sql, new SqliteEnrollmentStore(sql), async () => { db.close(); });
  }
  const pool = new Pool({ connectionString: target.connectionString, max: options.poolMax ?? 10 });
  // An idle client's error (server restart) must not crash the worker; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    if (options.migrate !== false) await migratePostgresLmsSchema(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const sql = new PostgresExecutor(pool);
  return buildStores(sql, new PostgresEnrollmentStore(sql), () => pool.end());
}
