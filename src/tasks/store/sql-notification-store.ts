import { randomUUID } from 'node:crypto';
import type { NewNotification, NotificationStore } from '../bulk/notification-store';
import type { SqlExecutor } from './sql-executor';

/**
 * NotificationStore on the shared `notifications` table. One statement per notification: the
 * insert happens only when the user exists, and the unique idempotency key makes a retry a no-op.
 */
export class SqlNotificationStore implements NotificationStore {
  constructor(private readonly sql: SqlExecutor) {}

  async createNotification(n: NewNotification): Promise<'created' | 'duplicate' | 'unknown-user'> {
    const inserted = await this.sql.run(`INSERT INTO notifications (id, user_id, title, message, idempotency_key, created_at)
      SELECT ?, u.id, ?, ?, ?, ? FROM users u WHERE u.id = ?
      ON CONFLICT (idempotency_key) DO NOTHING`, [randomUUID(), n.title, n.message, n.idempotencyKey, n.createdAt, n.userId]);
    if (inserted === 1) return 'created';
    const user = await this.sql.get('SELECT id FROM users WHERE id = ?', [n.userId]);
    return user ? 'duplicate' : 'unknown-user';
  }
}
