/** How webhook retries back off. */
export interface WebhookBackoff {
  /** Delay of the first retry, in seconds; doubled on each further retry. */
  baseSec: number;
  /** Cap of the exponential delay, in seconds. */
  maxSec: number;
  /** Equal jitter: a delay of d waits between d/2 and d, so retries of many tasks spread out but never collapse to 0. */
  jitter: boolean;
  /** Longest `Retry-After` honoured, in seconds; a longer one is cut to this. */
  retryAfterMaxSec: number;
}

/** Defaults: 10 s, 20 s, 40 s, ... up to 10 min, with jitter; Retry-After honoured up to 1 h. */
export const DEFAULT_WEBHOOK_BACKOFF: WebhookBackoff = { baseSec: 10, maxSec: 600, jitter: true, retryAfterMaxSec: 3600 };

/**
 * Countdown of the retry that follows attempt `retries` (0 for the first run): the receiver's
 * `Retry-After` when it sent one (capped), else `min(maxSec, baseSec * 2^retries)` with equal jitter.
 */
export function webhookRetryCountdownSec(retries: number, backoff: WebhookBackoff, retryAfterSec: number | null, random: () => number = Math.random): number {
  if (retryAfterSec !== null) return Math.min(retryAfterSec, backoff.retryAfterMaxSec);
  const delay = Math.min(backoff.maxSec, backoff.baseSec * 2 ** retries);
  return backoff.jitter ? delay / 2 + (delay / 2) * random() : delay;
}
