import type { MailReceipt, Mailer, OutgoingMail } from './mailer';

/** A Mailer that keeps what it is given, for tests; `failNext` scripts failures in order. */
export class MemoryMailer implements Mailer {
  /** Every mail accepted, in order. */
  readonly sent: OutgoingMail[] = [];
  /** Every mail attempted (including failed ones), in order. */
  readonly attempts: OutgoingMail[] = [];
  private readonly failures: unknown[] = [];
  private closed = false;

  /** The next sends throw these errors, one per send, before sends succeed again. */
  failNext(...errors: unknown[]): void {
    this.failures.push(...errors);
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    if (this.closed) throw new Error('MemoryMailer is closed');
    this.attempts.push(mail);
    if (this.failures.length > 0) throw this.failures.shift();
    this.sent.push(mail);
    return { messageId: mail.messageId, accepted: [mail.to], rejected: [], response: '250 OK (memory)' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
