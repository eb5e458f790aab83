import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `sha256=<hex HMAC>`. */
export const SIGNATURE_HEADER = 'X-Signature';
/** Header carrying the Unix time (seconds) that is part of the signed string. */
export const TIMESTAMP_HEADER = 'X-Webhook-Timestamp';
/** Header carrying the key a receiver dedupes on; the same on every retry of one task. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Header carrying the event type. */
export const EVENT_HEADER = 'X-Webhook-Event';

/**
 * The signed string: `${timestamp}.${body}`, where timestamp is the decimal Unix time in seconds
 * sent in X-Webhook-Timestamp and body the exact request body bytes (UTF-8). Binding the time into
 * the signature lets a receiver refuse replays older than its tolerance.
 */
export function buildSignedString(timestampSec: number, body: string): string {
  return `${timestampSec}.${body}`;
}

/** `sha256=` + hex HMAC-SHA256 of the signed string with the endpoint's secret: the X-Signature value. */
export function signWebhook(secret: string, timestampSec: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(buildSignedString(timestampSec, body), 'utf8').digest('hex')}`;
}

/** Why a signature was refused, or `ok`. */
export type WebhookVerification = 'ok' | 'bad-signature' | 'bad-timestamp' | 'expired';

/**
 * What a receiver does (exported for receivers written in Node, and for tests): recompute the HMAC
 * over `${timestamp}.${rawBody}`, compare in constant time, and refuse a timestamp further than
 * `toleranceSec` (default 300) from `nowSec`.
 */
export function verifyWebhookSignature(input: {
  secret: string; rawBody: string; signature: string | undefined; timestamp: string | undefined; nowSec: number; toleranceSec?: number;
}): WebhookVerification {
  if (!input.timestamp || !/^\d+$/.test(input.timestamp)) return 'bad-timestamp';
  const ts = Number(input.timestamp);
  if (Math.abs(input.nowSec - ts) > (input.toleranceSec ?? 300)) return 'expired';
  const expected = Buffer.from(signWebhook(input.secret, ts, input.rawBody));
  const given = Buffer.from(input.signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'bad-signature';
}
