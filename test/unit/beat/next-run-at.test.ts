import { parseCrontabString } from '../../../src/beat/crontab';
import { latestRunAtOrBefore, nextRunAt, type Schedule } from '../../../src/beat/next-run-at';
import { ScheduleError } from '../../../src/beat/schedule-error';

const cron = (text: string): Schedule => ({ kind: 'crontab', crontab: parseCrontabString(text, 'test') });
const next = (text: string, after: string, tz = 'UTC'): string => nextRunAt(cron(text), new Date(after), tz).toISOString();

describe('nextRunAt (crontab, UTC) across months and leap days', () => {
  // [cron, after, expected]; rows marked (celery) were cross-checked with celery 5.6.2 crontab.remaining_delta.
  const table: [string, string, string][] = [
    ['*/30 * * * *', '2024-01-31T23:45:00Z', '2024-02-01T00:00:00.000Z'], // (celery) month rollover
    ['0 2 29 2 *', '2024-03-01T00:00:00Z', '2028-02-29T02:00:00.000Z'], // (celery) next leap day
    ['0 9 1-7 * mon', '2024-01-01T10:00:00Z', '2024-02-05T09:00:00.000Z'], // (celery) dom AND dow: first Monday
    ['0 0 31 * *', '2024-01-31T00:00:00Z', '2024-03-31T00:00:00.000Z'], // February has no 31st
    ['0 0 29 2 *', '2096-03-01T00:00:00Z', '2104-02-29T00:00:00.000Z'], // 2100 is not a leap year
    ['59 23 31 12 *', '2024-12-31T23:59:00Z', '2025-12-31T23:59:00.000Z'], // strictly after
    ['59 23 31 12 *', '2024-12-31T23:58:59.999Z', '2024-12-31T23:59:00.000Z'],
    ['0 12 * * sun', '2024-06-01T00:00:00Z', '2024-06-02T12:00:00.000Z'], // 0/sun = Sunday, as Celery
    ['0 12 * * 0', '2024-06-01T00:00:00Z', '2024-06-02T12:00:00.000Z'],
    ['0 0 * * fri-mon', '2024-06-04T00:00:00Z', '2024-06-07T00:00:00.000Z'], // wrapping day range (Tue → Fri)
    ['0 0 1 jan-mar/2 *', '2024-01-02T00:00:00Z', '2024-03-01T00:00:00.000Z'], // jan, mar
    ['15,45 */6 * * *', '2024-02-28T18:50:00Z', '2024-02-29T00:15:00.000Z'], // into a leap day
    ['0 0 28-31 2 *', '2023-02-28T00:00:00Z', '2024-02-28T00:00:00.000Z'],
    ['0 0 29 2 thu', '2024-03-01T00:00:00Z', '2052-02-29T00:00:00.000Z'], // leap day on a Thursday
    ['* * * * *', '2024-05-05T05:05:30.500Z', '2024-05-05T05:06:00.000Z'],
  ];
  it.each(table)('%s after %s → %s', (text, after, expected) => {
    expect(next(text, after)).toBe(expected);
  });
});

describe('nextRunAt across DST transitions', () => {
  const table: [string, string, string, string][] = [
    // Europe/Berlin 2024-03-31: 02:00 CET → 03:00 CEST. Non-existent wall times use the pre-gap offset.
    ['0 2 * * *', '2024-03-30T01:00:00Z', 'Europe/Berlin', '2024-03-31T01:00:00.000Z'], // 02:00 → 03:00 CEST
    ['30 2 * * *', '2024-03-30T12:00:00Z', 'Europe/Berlin', '2024-03-31T01:30:00.000Z'], // 02:30 → 03:30 CEST
    ['30 2 * * *', '2024-03-31T01:30:00Z', 'Europe/Berlin', '2024-04-01T00:30:00.000Z'], // then back to 02:30 CEST
    ['0 * * * *', '2024-03-31T00:30:00Z', 'Europe/Berlin', '2024-03-31T01:00:00.000Z'], // 02:00 and 03:00 coincide: once
    ['0 * * * *', '2024-03-31T01:00:00Z', 'Europe/Berlin', '2024-03-31T02:00:00.000Z'], // 04:00 CEST next
    // Europe/Berlin 2024-10-27: 03:00 CEST → 02:00 CET. Ambiguous wall times fire once (first occurrence).
    ['30 2 * * *', '2024-10-26T12:00:00Z', 'Europe/Berlin', '2024-10-27T00:30:00.000Z'],
    ['30 2 * * *', '2024-10-27T00:30:00Z', 'Europe/Berlin', '2024-10-28T01:30:00.000Z'],
    ['30 2 * * *', '2024-10-27T01:10:00Z', 'Europe/Berlin', '2024-10-28T01:30:00.000Z'], // started in the repeat
    ['0 * * * *', '2024-10-27T00:00:00Z', 'Europe/Berlin', '2024-10-27T02:00:00.000Z'], // 02:00 CEST → 03:00 CET
    ['0 3 * * *', '2024-10-26T12:00:00Z', 'Europe/Berlin', '2024-10-27T02:00:00.000Z'], // a 25-hour day
    // America/New_York 2024-03-10 (02:00 EST → 03:00 EDT) and 2024-11-03 (02:00 EDT → 01:00 EST).
    ['*/30 * * * *', '2024-03-10T06:45:00Z', 'America/New_York', '2024-03-10T07:00:00.000Z'],
    ['*/30 * * * *', '2024-03-10T07:00:00Z', 'America/New_York', '2024-03-10T07:30:00.000Z'],
    ['30 1 * * *', '2024-11-02T12:00:00Z', 'America/New_York', '2024-11-03T05:30:00.000Z'], // 01:30 EDT, once
    ['30 1 * * *', '2024-11-03T05:30:00Z', 'America/New_York', '2024-11-04T06:30:00.000Z'],
    // Fixed offsets and a half-hour zone.
    ['0 2 * * *', '2024-01-01T00:00:00Z', 'Asia/Kolkata', '2024-01-01T20:30:00.000Z'],
    // Australia/Lord_Howe moves 30 minutes: 02:00 → 02:30 on 2024-10-06.
    ['15 2 * * *', '2024-10-05T12:00:00Z', 'Australia/Lord_Howe', '2024-10-05T15:45:00.000Z'],
  ];
  it.each(table)('%s after %s in %s → %s', (text, after, tz, expected) => {
    expect(next(text, after, tz)).toBe(expected);
  });
});

describe('nextRunAt (interval) and errors', () => {
  it('adds the period, whatever the zone', () => {
    expect(nextRunAt({ kind: 'interval', everyMs: 1500 }, new Date('2024-03-31T00:59:59Z'), 'Europe/Berlin').toISOString())
      .toBe('2024-03-31T01:00:00.500Z');
  });
  it('throws ScheduleError for a crontab that never matches', () => {
    expect(() => nextRunAt(cron('0 0 31 2 *'), new Date('2024-01-01T00:00:00Z'), 'UTC')).toThrow(ScheduleError);
  });
});

describe('latestRunAtOrBefore', () => {
  it('returns null when nothing is due', () => {
    expect(latestRunAtOrBefore({ kind: 'interval', everyMs: 1000 }, new Date(10_000), new Date(10_999), 'UTC')).toBeNull();
    expect(latestRunAtOrBefore(cron('0 2 * * *'), new Date('2024-01-01T02:00:00Z'), new Date('2024-01-02T01:59:59Z'), 'UTC')).toBeNull();
  });
  it('finds the latest interval run', () => {
    expect(latestRunAtOrBefore({ kind: 'interval', everyMs: 1000 }, new Date(10_000), new Date(14_500), 'UTC')?.getTime()).toBe(14_000);
  });
  it('finds the latest crontab run after a long backlog', () => {
    const latest = latestRunAtOrBefore(cron('0 2 * * *'), new Date('2023-01-01T02:00:00Z'), new Date('2024-06-10T01:00:00Z'), 'UTC');
    expect(latest?.toISOString()).toBe('2024-06-09T02:00:00.000Z');
    const minutely = latestRunAtOrBefore(cron('* * * * *'), new Date('2020-01-01T00:00:00Z'), new Date('2024-06-10T01:00:30Z'), 'UTC');
    expect(minutely?.toISOString()).toBe('2024-06-10T01:00:00.000Z');
  });
});
