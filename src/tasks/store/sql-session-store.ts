import type { SessionStore } from '../cleanup/session-store';
import { buildTimestampExpr, type SqlExecutor } from './sql-executor';

/** SessionStore on the shared `sessions` table. */
export class SqlSessionStore implements SessionStore {
  constructor(private readonly sql: SqlExecutor) {}

  deleteExpiredSessions(now: Date): Promise<number> {
    const ts = (e: string): string => buildTimestampExpr(this.sql.dialect, e);
    return this.sql.run(`DELETE FROM sessions WHERE ${ts('expires_at')} < ${ts('?')}`, [now]);
  }
}
