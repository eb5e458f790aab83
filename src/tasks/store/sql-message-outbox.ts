import { randomUUID } from 'node:crypto';
import type { MessageSender, OutboundMessage } from '../bulk/message-sender';
import type { SqlExecutor } from './sql-executor';

/**
 * MessageSender that queues each message in the shared `outbound_messages` table (status `queued`)
 * for the SMS/WhatsApp relay to send: the transactional-outbox pattern, so a message is recorded
 * exactly once per idempotency key whatever happens to the worker.
 */
export class SqlMessageOutbox implements MessageSender {
  constructor(private readonly sql: SqlExecutor, private readonly now: () => Date = () => new Date()) {}

  async send(m: OutboundMessage): Promise<{ messageId: string; duplicate: boolean }> {
    const id = randomUUID();
    const inserted = await this.sql.run(`INSERT INTO outbound_messages (id, idempotency_key, phone_number, message_type, body, status, created_at)
      VALUES (?, ?, ?, ?, ?, 'queued', ?) ON CONFLICT (idempotency_key) DO NOTHING`,
    [id, m.idempotencyKey, m.to, m.messageType, m.body, this.now()]);
    if (inserted === 1) return { messageId: id, duplicate: false };
    const existing = await this.sql.get<{ id: string }>('SELECT id FROM outbound_messages WHERE idempotency_key = ?', [m.idempotencyKey]);
    return { messageId: existing?.id ?? id, duplicate: true };
  }
}
