import { CeleriacError } from '../../errors/celeriac-error';

/** What an SMTP failure says about trying again. */
export interface MailFailureDetails {
  /** SMTP reply code when the server answered (451, 550, ...). */
  responseCode: number | null;
  /** The SMTP command that failed (`RCPT TO`, `DATA`, `CONN`, ...), when known. */
  command: string | null;
  /** nodemailer/Node error code (`EENVELOPE`, `ECONNECTION`, `ECONNREFUSED`, ...), when known. */
  errorCode: string | null;
}

/** Root of the email family's delivery errors; `code` tells transient from permanent. */
export abstract class MailDeliveryError extends CeleriacError {
  readonly responseCode: number | null;
  readonly command: string | null;
  readonly errorCode: string | null;

  constructor(code: string, message: string, details: MailFailureDetails, options?: { cause?: unknown }) {
    super(code, message, options);
    this.responseCode = details.responseCode;
    this.command = details.command;
    this.errorCode = details.errorCode;
  }
}

/**
 * A failure worth retrying: a 4xx SMTP reply (greylisting, mailbox busy, 421 service unavailable)
 * or a network error (refused, reset, timed out). Pass it (or its name, which survives a thread
 * boundary) to `autoretryFor`.
 */
export class TransientMailError extends MailDeliveryError {
  constructor(message: string, details: MailFailureDetails, options?: { cause?: unknown }) {
    super('CELERIAC_MAIL_TRANSIENT', message, details, options);
  }
}

/**
 * A failure that the same message would meet again: a 5xx reply (550 no such user, 554 rejected,
 * 535 bad credentials) or a local problem (bad address, bad configuration). Never retried; the
 * task ends FAILURE and the dead-letter queue, when configured, keeps a copy.
 */
export class PermanentMailError extends MailDeliveryError {
  constructor(message: string, details: MailFailureDetails, options?: { cause?: unknown }) {
    super('CELERIAC_MAIL_REJECTED', message, details, options);
  }
}

/** The class names `autoretryFor` should match for the email tasks (names work across the threads pool too). */
export const EMAIL_AUTORETRY_FOR: readonly string[] = ['TransientMailError'];
