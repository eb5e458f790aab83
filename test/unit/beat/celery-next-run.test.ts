// nextRunAt against golden values captured from Celery (interop-tests/python/beat_capture_next_run.py).
import fixture from './fixtures/celery-next-run.json';
import { parseCrontab, type CrontabFields } from '../../../src/beat/crontab';
import { nextRunAt } from '../../../src/beat/next-run-at';
import { ScheduleError } from '../../../src/beat/schedule-error';

interface Case { fields: CrontabFields; timezone: string; after: string; next: string | null }

describe(`nextRunAt agrees with celery ${fixture.celery} crontab.remaining_delta`, () => {
  it.each((fixture.cases as Case[]).map((c) => [JSON.stringify(c.fields), c.timezone, c.after, c.next] as const))(
    '%s in %s after %s → %s', (fields, tz, after, expected) => {
      const schedule = { kind: 'crontab' as const, crontab: parseCrontab(JSON.parse(fields) as CrontabFields, 'golden') };
      if (expected === null) {
        expect(() => nextRunAt(schedule, new Date(after), tz)).toThrow(ScheduleError);
      } else {
        expect(nextRunAt(schedule, new Date(after), tz).toISOString()).toBe(expected);
      }
    });
});
