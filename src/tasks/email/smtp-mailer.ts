import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { toMailDeliveryError } from './classify-smtp-error';
import type { MailReceipt, Mailer, OutgoingMail } from './mailer';
import type { SmtpSettings } from './smtp-settings';

/** The part of a nodemailer transporter the SmtpMailer uses. */
interface NodemailerTransport {
  sendMail(mail: Record<string, unknown>): Promise<{ messageId?: string; accepted?: unknown[]; rejected?: unknown[]; response?: string }>;
  close(): void;
}

/**
 * A Mailer over SMTP with nodemailer: one connection per message (nodemailer's default), so an idle
 * worker holds no socket and a thread or process may build one freely. Failures come out as
 * TransientMailError / PermanentMailError (see classifySmtpError).
 */
export class SmtpMailer implements Mailer {
  private readonly transport: NodemailerTransport;
  private closed = false;

  constructor(private readonly settings: SmtpSettings, private readonly log?: Logger) {
    const timeoutMs = Math.round(settings.timeoutSec * 1000);
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.starttls === 'required',
      ignoreTLS: settings.starttls === 'disabled',
      tls: { rejectUnauthorized: settings.tlsRejectUnauthorized },
      ...(settings.auth ? { auth: { user: settings.auth.user, pass: settings.auth.password.reveal() } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // nodemailer's own logger stays off: it would print the AUTH exchange.
      logger: false,
      debug: false,
    }) as unknown as NodemailerTransport;
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    if (this.closed) throw new Error('SmtpMailer is closed');
    try {
      const info = await this.transport.sendMail({
        from: mail.from ?? this.settings.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
        headers: mail.headers ?? {},
      });
      const receipt: MailReceipt = {
        messageId: info.messageId ?? mail.messageId,
        accepted: (info.accepted ?? []).map(String),
        rejected: (info.rejected ?? []).map(String),
        response: info.response ?? '',
      };
      this.log?.debug({ messageId: receipt.messageId, response: receipt.response }, 'mail accepted by smtp server');
      return receipt;
    } catch (thrown) {
      throw toMailDeliveryError(thrown);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}

/** Builds an SmtpMailer; no connection is opened until the first send. */
export function createSmtpMailer(settings: SmtpSettings, log?: Logger): SmtpMailer {
  return new SmtpMailer(settings, log);
}
