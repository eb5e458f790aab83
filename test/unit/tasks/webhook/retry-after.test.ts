import { parseRetryAfter } from '../../../../src/tasks/webhook/retry-after';
import { DEFAULT_WEBHOOK_BACKOFF, webhookRetryCountdownSec } from '../../../../src/tasks/webhook/webhook-backoff';

const now = new Date('2026-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(['7', '9'], now)).toBe(7);
  });

  it('reads the three HTTP-date forms as seconds from now (GMT), a past date as 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Thursday, 01-Jan-26 00:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('Thu Jan  1 00:00:05 2026', now)).toBe(5);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('gives null for absent or malformed values', () => {
    for (const v of [undefined, '', '-5', '1.5', 'soon', '2026-01-01T00:00:10Z', 'Thu, 01 Jan 2026 00:01:30', 'Thu, 99 Foo 2026 00:01:30 GMT']) {
      expect(parseRetryAfter(v, now)).toBeNull();
    }
  });
});

describe('webhookRetryCountdownSec', () => {
  const noJitter = { ...DEFAULT_WEBHOOK_BACKOFF, jitter: false, baseSec: 10, maxSec: 60 };

  it('doubles from baseSec up to maxSec', () => {
    expect([0, 1, 2, 3, 4].map((r) => webhookRetryCountdownSec(r, noJitter, null))).toEqual([10, 20, 40, 60, 60]);
  });

  it('with jitter waits between half and all of the delay', () => {
    const jitter = { ...noJitter, jitter: true };
    expect(webhookRetryCountdownSec(1, jitter, null, () => 0)).toBe(10);
    expect(webhookRetryCountdownSec(1, jitter, null, () => 0.999)).toBeCloseTo(19.99);
  });

  it('honours Retry-After over the backoff, up to retryAfterMaxSec', () => {
    expect(webhookRetryCountdownSec(0, noJitter, 3, () => 0.5)).toBe(3);
    expect(webhookRetryCountdownSec(0, { ...noJitter, retryAfterMaxSec: 100 }, 86_400)).toBe(100);
  });
});
