import Database from 'better-sqlite3';
import { StoreError } from './store-error';

/** Settings of a SQLite connection. */
export interface SqliteOpenOptions {
  /** How long a writer waits for another process's lock before failing (default 15 s, as lms_api's sqlite3 timeout). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating when missing) a SQLite database file the way the workers and the Python app share
 * it: WAL (readers never block the writer), foreign keys on, a busy timeout instead of SQLITE_BUSY.
 */
export function openSqliteDatabase(path: string, options: SqliteOpenOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 15_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db?.close();
    throw new StoreError('CELERIAC_STORE_OPEN_FAILED', `cannot open the SQLite database ${path}: ${(err as Error).message}`, { cause: err });
  }
}
