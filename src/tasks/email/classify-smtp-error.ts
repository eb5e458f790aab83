import { coerceError } from '../../errors/coerce-error';
import { PermanentMailError, TransientMailError, type MailDeliveryError, type MailFailureDetails } from './email-errors';

/** nodemailer's codes for a connection that ended or never worked (not a rejection of what was sent). */
const TRANSIENT_NODEMAILER_CODES: ReadonlySet<string> = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']);

/** Node errno codes of network trouble that may clear by itself. */
const TRANSIENT_ERRNO_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EAI_AGAIN', 'ESOCKETTIMEDOUT']);

/** Whether a send failure may succeed when tried again later. */
export type MailFailureKind = 'transient' | 'permanent';

interface SmtpErrorShape { message?: unknown; responseCode?: unknown; code?: unknown; originalCode?: unknown; command?: unknown; rejectedErrors?: unknown }

/**
 * The fields of a thrown value, read without `instanceof Error`: errors made in another realm (a
 * vm context, as under jest) fail that check but carry the same properties.
 */
function fieldsOf(thrown: unknown): SmtpErrorShape {
  return typeof thrown === 'object' && thrown !== null ? thrown as SmtpErrorShape : {};
}

/** The SMTP reply code, command and error code an error carries (nodemailer sets them on its errors). */
export function describeSmtpFailure(thrown: unknown): MailFailureDetails {
  const e = fieldsOf(thrown);
  return {
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : null,
    command: typeof e.command === 'string' ? e.command : null,
    errorCode: typeof e.code === 'string' ? e.code : null,
  };
}

/**
 * Classifies a send failure as RFC 5321 does: a 4yz reply is transient, a 5yz reply permanent,
 * except 503 (bad sequence: the session, not the message, was wrong; nodemailer agrees). Without a
 * reply, network errors (nodemailer ECONNECTION/ETIMEDOUT/ESOCKET/EDNS, errno ECONNREFUSED,
 * ECONNRESET, ETIMEDOUT, ...) are transient; anything else (a bad address, a bug) is permanent,
 * so it is not retried blindly.
 */
export function classifySmtpError(thrown: unknown): MailFailureKind {
  const err = fieldsOf(thrown);
  const code = typeof err.responseCode === 'number' ? err.responseCode : null;
  if (code !== null) {
    if (code >= 400 && code < 500) return 'transient';
    if (code === 503) return 'transient';
    if (code >= 500 && code < 600) return 'permanent';
  }
  // A deferred recipient among rejected ones (nodemailer reports the deferral first, but a custom transport may not).
  if (Array.isArray(err.rejectedErrors) && err.rejectedErrors.some((r) => {
    const rc = (r as SmtpErrorShape | null)?.responseCode;
    return typeof rc === 'number' && rc >= 400 && rc < 500;
  })) return 'transient';
  for (const c of [err.code, err.originalCode]) {
    if (typeof c === 'string' && (TRANSIENT_NODEMAILER_CODES.has(c) || TRANSIENT_ERRNO_CODES.has(c))) return 'transient';
  }
  return 'permanent';
}

/** Wraps a send failure into TransientMailError or PermanentMailError (the original as `cause`). */
export function toMailDeliveryError(thrown: unknown): MailDeliveryError {
  if (thrown instanceof TransientMailError || thrown instanceof PermanentMailError) return thrown;
  const { message } = fieldsOf(thrown);
  const text = `mail not sent: ${typeof message === 'string' ? message : coerceError(thrown).message}`;
  const details = describeSmtpFailure(thrown);
  return classifySmtpError(thrown) === 'transient'
    ? new TransientMailError(text, details, { cause: thrown })
    : new PermanentMailError(text, details, { cause: thrown });
}
