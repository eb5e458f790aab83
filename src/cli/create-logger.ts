import pino, { type Logger } from 'pino';

/** Keys whose values never reach the logs. URLs are logged through safeUrl() as well. */
const REDACT = ['password', '*.password', 'pass', '*.pass', 'smtpPassword', '*.smtpPassword', 'hmacKey', '*.hmacKey',
  'authorization', '*.authorization', 'headers.authorization', 'settings.broker_url', 'settings.result_backend',
  // ioredis puts the failed command on its errors: a refused `AUTH <password>` would log the password.
  'err.command.args', 'err.cause.command.args', '*.err.command.args', 'command.args'];

/** The one root logger: JSON lines on stdout, secrets redacted. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '***' }, base: { pid: process.pid } },
    destination ?? pino.destination({ fd: 1, sync: false }));
}
