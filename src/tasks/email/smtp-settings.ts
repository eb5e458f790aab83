import { z } from 'zod';
import { ConfigError } from '../../errors/celeriac-error';
import { domainOfAddress } from './message-id';
import { RedactedSecret } from './redacted-secret';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The environment the SMTP mailer reads; every setting with its default and a one-line doc. */
const smtpEnvSchema = z.object({
  /** SMTP server host. */
  SMTP_HOST: z.string().min(1).default('localhost'),
  /** SMTP server port (default 465 with SMTP_SECURE, else 587). */
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Implicit TLS from the first byte (port 465 style). */
  SMTP_SECURE: bool.default(false),
  /** STARTTLS on a plain connection: `required` (fail without it), `opportunistic` (when offered), `disabled`. */
  SMTP_STARTTLS: z.enum(['required', 'opportunistic', 'disabled']).default('opportunistic'),
  /** Verify the server's TLS certificate. */
  SMTP_TLS_REJECT_UNAUTHORIZED: bool.default(true),
  /** AUTH user; set together with SMTP_PASSWORD, or neither. */
  SMTP_USER: z.string().min(1).optional(),
  /** AUTH password; never logged (kept as a RedactedSecret). */
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** Sender of every email (`"LMS" <no-reply@lms.example>`). */
  SMTP_FROM: z.string().min(3).default('no-reply@localhost'),
  /** Right-hand side of Message-IDs (default: the domain of SMTP_FROM). */
  SMTP_MESSAGE_ID_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]+$/).optional(),
  /** Connection, greeting and socket timeout, in seconds. */
  SMTP_TIMEOUT_SEC: z.coerce.number().positive().default(30),
});

/** Validated SMTP settings. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS. */
  secure: boolean;
  starttls: 'required' | 'opportunistic' | 'disabled';
  tlsRejectUnauthorized: boolean;
  /** AUTH credentials, or null for an open relay / catcher. */
  auth: { user: string; password: RedactedSecret } | null;
  from: string;
  messageIdDomain: string;
  timeoutSec: number;
}

/**
 * Reads the SMTP settings from the environment (pure: pass `process.env`). Reports every problem at
 * once as a ConfigError; the password's value never appears in a message.
 */
export function loadSmtpSettings(env: Record<string, string | undefined>): SmtpSettings {
  const picked = Object.fromEntries(Object.keys(smtpEnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])));
  const parsed = smtpEnvSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.path[0] === 'SMTP_PASSWORD' ? 'invalid' : i.message}`));
  }
  const s = parsed.data;
  const problems: string[] = [];
  if ((s.SMTP_USER === undefined) !== (s.SMTP_PASSWORD === undefined)) problems.push('SMTP_USER and SMTP_PASSWORD: set both or neither');
  if (s.SMTP_SECURE && s.SMTP_STARTTLS === 'required') problems.push('SMTP_STARTTLS: required makes no sense with SMTP_SECURE=true (already TLS)');
  const messageIdDomain = s.SMTP_MESSAGE_ID_DOMAIN ?? domainOfAddress(s.SMTP_FROM);
  if (!messageIdDomain) problems.push('SMTP_MESSAGE_ID_DOMAIN: required when SMTP_FROM has no domain');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host: s.SMTP_HOST,
    port: s.SMTP_PORT ?? (s.SMTP_SECURE ? 465 : 587),
    secure: s.SMTP_SECURE,
    starttls: s.SMTP_STARTTLS,
    tlsRejectUnauthorized: s.SMTP_TLS_REJECT_UNAUTHORIZED,
    auth: s.SMTP_USER !== undefined && s.SMTP_PASSWORD !== undefined ? { user: s.SMTP_USER, password: new RedactedSecret(s.SMTP_PASSWORD) } : null,
    from: s.SMTP_FROM,
    messageIdDomain: messageIdDomain as string,
    timeoutSec: s.SMTP_TIMEOUT_SEC,
  };
}
