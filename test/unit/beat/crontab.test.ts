import { crontab, parseCrontab, parseCrontabString } from '../../../src/beat/crontab';
import { ScheduleError } from '../../../src/beat/schedule-error';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScheduleError);
    expect((err as ScheduleError).code).toBe('CELERIAC_BEAT_BAD_SCHEDULE');
    return (err as ScheduleError).problems;
  }
  throw new Error('expected a ScheduleError');
}

describe('parseCrontab (Celery crontab_parser syntax)', () => {
  it.each([
    [{ minute: '*/15' }, 'minutes', [0, 15, 30, 45]],
    [{ hour: '*/4' }, 'hours', [0, 4, 8, 12, 16, 20]],
    [{ hour: '9-17/4' }, 'hours', [9, 13, 17]],
    [{ hour: '22-2' }, 'hours', [0, 1, 2, 22, 23]], // wraps like celery
    [{ minute: '5,1,5,3' }, 'minutes', [1, 3, 5]],
    [{ minute: 7 }, 'minutes', [7]],
  ] as const)('%j → %s %j', (fields, key, expected) => {
    expect(parseCrontab(fields, 'e')[key]).toEqual(expected);
  });

  it('reads day and month names with Celery numbering (0 = Sunday)', () => {
    const c = parseCrontab({ day_of_week: 'sun,Monday,fri-sat', month_of_year: 'jan,mar-apr,dec' }, 'e');
    expect([...c.daysOfWeek].sort()).toEqual([0, 1, 5, 6]);
    expect([...c.monthsOfYear].sort((a, b) => a - b)).toEqual([1, 3, 4, 12]);
    expect([...parseCrontab({ day_of_week: 'fri-mon' }, 'e').daysOfWeek].sort()).toEqual([0, 1, 5, 6]);
  });

  it('defaults every field to * and keeps the source text in 5-field order', () => {
    const c = parseCrontab({ minute: '0', hour: '2' }, 'e');
    expect(c.text).toBe('0 2 * * *');
    expect(c.daysOfMonth.size).toBe(31);
    expect(parseCrontabString(' 0  2 * * mon ', 'e').text).toBe('0 2 * * mon');
  });

  it('reports every bad field with entry, field and token', () => {
    const problems = problemsOf(() => parseCrontab({ minute: '60', hour: '*/0', day_of_week: '7', month_of_year: 'foo', day_of_month: '1,,2' }, 'entry "x"'));
    expect(problems).toEqual([
      'entry "x": minute: "60": 60 is out of range 0-59',
      'entry "x": hour: "*/0": step "0" is not a positive integer',
      'entry "x": day_of_week: "7": 7 is out of range 0-6',
      'entry "x": day_of_month: "1,,2" has an empty list item',
      expect.stringContaining('entry "x": month_of_year: "foo": "foo" is not a valid value'),
    ]);
  });

  it('rejects what Celery rejects: bare steps, negatives, names in numeric fields, unknown fields', () => {
    expect(problemsOf(() => parseCrontab({ minute: '5/15' }, 'e'))[0]).toContain('a step needs "*" or a range');
    expect(problemsOf(() => parseCrontab({ minute: '-5' }, 'e'))[0]).toContain('"-5" is not a valid value');
    expect(problemsOf(() => parseCrontab({ hour: 'mon' }, 'e'))[0]).toContain('hour: "mon"');
    expect(problemsOf(() => parseCrontab({ minute: '' }, 'e'))[0]).toBe('e: minute: is empty');
    expect(problemsOf(() => parseCrontab({ seconds: '1' } as never, 'e'))[0]).toContain('"seconds" is not a crontab field');
  });

  it('needs exactly five fields in a cron string', () => {
    expect(problemsOf(() => parseCrontabString('0 2 * *', 'e'))[0]).toBe('e: "0 2 * *" has 4 fields; expected 5: minute hour day_of_month month_of_year day_of_week');
  });

  it('crontab() builds the value loadBeatSchedule accepts', () => {
    expect(crontab({ minute: 0, hour: '2' })).toEqual({ crontab: { minute: 0, hour: '2' } });
  });
});
