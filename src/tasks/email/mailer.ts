/** One email to send: what every Mailer implementation accepts. */
export interface OutgoingMail {
  /** Recipient address. */
  to: string;
  /** Sender (`"LMS" <no-reply@lms.example>`); the Mailer's default when absent. */
  from?: string;
  subject: string;
  html: string;
  text: string;
  /** The Message-ID header, angle brackets included (`<id@domain>`); stable across retries of one task. */
  messageId: string;
  /** Extra headers (`X-Celeriac-Task-Id`, ...). */
  headers?: Record<string, string>;
}

/** What the server said when it took the message. */
export interface MailReceipt {
  /** Message-ID the message went out with. */
  messageId: string;
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients the server refused (a partial delivery). */
  rejected: string[];
  /** The server's final reply (`250 OK: queued as ...`). */
  response: string;
}

/**
 * Sends mail. Implementations throw TransientMailError (worth a retry) or PermanentMailError (not),
 * so the task's `autoretryFor` can tell them apart.
 */
export interface Mailer {
  send(mail: OutgoingMail): Promise<MailReceipt>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}
