// The LMS worker app's own settings, read from the environment (pure: pass `process.env`). The
// Celery settings (broker, acks, limits, ...) are not here: they are app conf / CELERY_* variables.
// Every problem is reported at once, naming the variable; secrets never appear in a message.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../src/errors/celeriac-error';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const seconds = z.coerce.number().nonnegative();

const envSchema = z.object({
  /** `postgresql://...` (SQLAlchemy's `postgresql+psycopg://` too) or `sqlite:////abs/path.db`; unset: LMS_SQLITE_PATH. */
  DATABASE_URL: z.string().optional(),
  /** The SQLite file when DATABASE_URL is unset (as lms_api reads it). */
  LMS_SQLITE_PATH: z.string().min(1).default('lms.db'),
  /** Root of the file store shared with the API (certificates/..., exports/...). */
  STORAGE_DIR: z.string().min(1).default('storage'),
  /** What `cleanup_old_files` sweeps (default `$STORAGE_DIR/exports`: generated exports, never certificates). */
  LMS_CLEANUP_DIR: z.string().min(1).optional(),
  /** What `cleanup_temporary_files` sweeps (default `<os tmpdir>/lms-tmp`). */
  LMS_TEMP_DIR: z.string().min(1).optional(),
  /** Age past which `cleanup_temporary_files` removes a file, in hours. */
  LMS_TEMP_MAX_AGE_HOURS: z.coerce.number().positive().default(24),
  /** Public base URL of the LMS (the API): links in emails, the certificate's `/certificates/{id}/download`. */
  LMS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8000'),
  /** Product name in email subjects and signatures. */
  LMS_APP_NAME: z.string().trim().min(1).max(100).default('LMS'),
  /** Shown in email footers when set. */
  LMS_SUPPORT_EMAIL: z.email().optional(),
  /** Issuer printed on certificates. */
  LMS_ISSUER_NAME: z.string().trim().min(1).max(100).default('LMS Academy'),
  /** Where the `certificate.issued` webhook goes; unset: no webhook. */
  WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** deliver_webhook: retries after the first attempt, first backoff (doubling), its cap, jitter, per-attempt timeout. */
  WEBHOOK_MAX_RETRIES: z.coerce.number().int().nonnegative().default(5),
  WEBHOOK_RETRY_BASE_SEC: seconds.default(10),
  WEBHOOK_RETRY_MAX_SEC: seconds.default(600),
  WEBHOOK_RETRY_JITTER: bool.default(true),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Email tasks: backoff factor of the automatic retries of transient SMTP errors (5 s, 10 s, 20 s, ...) and their number. */
  EMAIL_RETRY_BACKOFF_SEC: seconds.default(5),
  EMAIL_MAX_RETRIES: z.coerce.number().int().nonnegative().default(4),
  /** Test only: a directory of hold files that park generate_certificate after recording (see test-hooks.ts). */
  LMS_TEST_HOLD_DIR: z.string().min(1).optional(),
  /** Test only: delay of each bulk message, so a client sees PROGRESS move. */
  LMS_TEST_SEND_DELAY_MS: z.coerce.number().int().nonnegative().default(0),
});

/** The validated settings of the LMS app. */
export interface LmsConfig {
  databaseUrl: string | undefined;
  sqlitePath: string;
  storageDir: string;
  cleanupDir: string;
  tempDir: string;
  tempMaxAgeMs: number;
  publicUrl: string;
  appName: string;
  supportEmail: string | null;
  issuerName: string;
  webhookUrl: string | null;
  webhook: { maxRetries: number; baseSec: number; maxSec: number; jitter: boolean; timeoutMs: number };
  email: { backoffSec: number; maxRetries: number };
  test: { holdDir: string | null; sendDelayMs: number };
}

/** Reads and checks the LMS app's environment; throws one ConfigError listing every bad variable. */
export function loadLmsConfig(env: Record<string, string | undefined>): LmsConfig {
  const picked = Object.fromEntries(Object.keys(envSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])));
  const parsed = envSchema.safeParse(picked);
  // DATABASE_URL may hold a password: name the variable, never echo the value.
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.path[0] === 'DATABASE_URL' ? 'invalid' : i.message}`));
  const e = parsed.data;
  const storageDir = resolve(e.STORAGE_DIR);
  return {
    databaseUrl: e.DATABASE_URL,
    sqlitePath: resolve(e.LMS_SQLITE_PATH),
    storageDir,
    cleanupDir: resolve(e.LMS_CLEANUP_DIR ?? join(storageDir, 'exports')),
    tempDir: resolve(e.LMS_TEMP_DIR ?? join(tmpdir(), 'lms-tmp')),
    tempMaxAgeMs: e.LMS_TEMP_MAX_AGE_HOURS * 3_600_000,
    publicUrl: e.LMS_PUBLIC_URL.replace(/\/+$/, ''),
    appName: e.LMS_APP_NAME,
    supportEmail: e.LMS_SUPPORT_EMAIL ?? null,
    issuerName: e.LMS_ISSUER_NAME,
    webhookUrl: e.WEBHOOK_URL ?? null,
    webhook: { maxRetries: e.WEBHOOK_MAX_RETRIES, baseSec: e.WEBHOOK_RETRY_BASE_SEC, maxSec: e.WEBHOOK_RETRY_MAX_SEC,
      jitter: e.WEBHOOK_RETRY_JITTER, timeoutMs: e.WEBHOOK_TIMEOUT_MS },
    email: { backoffSec: e.EMAIL_RETRY_BACKOFF_SEC, maxRetries: e.EMAIL_MAX_RETRIES },
    test: { holdDir: e.LMS_TEST_HOLD_DIR ? resolve(e.LMS_TEST_HOLD_DIR) : null, sendDelayMs: e.LMS_TEST_SEND_DELAY_MS },
  };
}
