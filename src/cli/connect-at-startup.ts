import type { Logger } from 'pino';
import type { Settings } from '../config/settings-schema';
import { CeleriacError } from '../errors/celeriac-error';
import { coerceError } from '../errors/coerce-error';
import { isAuthError } from '../transport/redis/connect-redis-client';
import { isTlsError } from '../transport/tls-error';
import { safeUrl } from '../transport/safe-url';

/** When and how often the first connection is retried (Celery's `broker_connection_*` settings). */
export interface StartupRetryPolicy {
  /** False: one attempt, the first failure is final. */
  retry: boolean;
  /** Retries after the first attempt; null = for ever. */
  maxRetries: number | null;
}

/** One dependency to connect at startup. */
export interface StartupTarget {
  /** `broker` or `result backend`, as logged. */
  role: string;
  /** Its URL (logged through safeUrl). */
  url: string;
  connect(): Promise<void>;
}

/** What connectAtStartup needs besides the targets; `sleep` is injected so the schedule is testable. */
export interface ConnectAtStartupOptions {
  policy: StartupRetryPolicy;
  log: Pick<Logger, 'warn' | 'info'>;
  /** Waits `ms`; rejects (or resolves early) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Aborted when a shutdown signal arrives while still connecting. */
  signal: AbortSignal;
}

/**
 * Seconds slept before retry `n` (1-based): kombu's `retry_over_time` intervals
 * `fxrange(interval_start=2, interval_max + interval_start, interval_step=2, repeatlast=True)`,
 * i.e. 2, 4, 6, ... 32, then 32 for ever, which Celery's consumer uses for the broker connection.
 */
export function buildRetryDelaySec(n: number): number {
  return Math.min(2 * Math.max(1, n), 32);
}

/**
 * Celery's startup rule (celery/worker/consumer/consumer.py `ensure_connected`): when
 * `broker_connection_retry_on_startup` is unset, `broker_connection_retry` decides; `max_retries`
 * counts retries after the first attempt, as kombu's `retry_over_time` (0 = no retry).
 */
export function buildStartupRetryPolicy(settings: Pick<Settings, 'broker_connection_retry' | 'broker_connection_retry_on_startup' | 'broker_connection_max_retries'>): StartupRetryPolicy {
  return {
    retry: settings.broker_connection_retry_on_startup ?? settings.broker_connection_retry,
    maxRetries: settings.broker_connection_max_retries,
  };
}

/**
 * Connects each target in order, retrying the one that fails with backoff and one warning per
 * failed attempt (role, safe URL, attempt n of max, next delay). A refused password or TLS
 * certificate is final at once (retrying cannot fix it). Throws the last error when retries are off or used up, and
 * CELERIAC_CLI_STARTUP_ABORTED when `signal` aborted the wait.
 */
export async function connectAtStartup(targets: readonly StartupTarget[], opts: ConnectAtStartupOptions): Promise<void> {
  for (const target of targets) {
    for (let retries = 0; ; retries++) {
      if (opts.signal.aborted) throw aborted(target);
      try {
        await target.connect();
        if (retries > 0) opts.log.info({ role: target.role, url: safeUrl(target.url), attempts: retries + 1 }, 'connected after retrying');
        break;
      } catch (err) {
        const { policy } = opts;
        const exhausted = policy.maxRetries !== null && retries >= policy.maxRetries;
        if (!policy.retry || exhausted || isAuthError(err) || isTlsError(err) || opts.signal.aborted) throw err;
        const nextDelaySec = buildRetryDelaySec(retries + 1);
        opts.log.warn({ role: target.role, url: safeUrl(target.url), attempt: retries + 1, maxAttempts: policy.maxRetries === null ? null : policy.maxRetries + 1,
          nextDelaySec, error: coerceError(err).message }, 'cannot connect; retrying');
        await opts.sleep(nextDelaySec * 1000, opts.signal).catch(() => undefined);
      }
    }
  }
}

/** True when `err` is the abort connectAtStartup throws on a shutdown signal. */
export function isStartupAborted(err: unknown): boolean {
  return err instanceof CeleriacError && err.code === 'CELERIAC_CLI_STARTUP_ABORTED';
}

function aborted(target: StartupTarget): CeleriacError {
  return new CeleriacError('CELERIAC_CLI_STARTUP_ABORTED', `shutdown requested while connecting to the ${target.role} at ${safeUrl(target.url)}`);
}

/** A real sleep that ends early when the signal aborts; its timer does not hold the process open once aborted. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
