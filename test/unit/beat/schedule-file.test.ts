import { join } from 'node:path';
import { loadBeatSchedule, parseBeatScheduleText, readBeatScheduleFile } from '../../../src/beat/schedule-file';
import { ScheduleError } from '../../../src/beat/schedule-error';
import { crontab } from '../../../src/beat/crontab';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScheduleError);
    return (err as ScheduleError).problems;
  }
  throw new Error('expected a ScheduleError');
}

describe('loadBeatSchedule', () => {
  it('accepts Celery shapes: seconds, cron strings, crontab() objects, options', () => {
    const entries = loadBeatSchedule({
      tick: { task: 't.tick', schedule: 1.5, args: [1], kwargs: { a: 2 }, options: { queue: 'q', priority: 5, expires: 30 } },
      nightly: { task: 't.nightly', schedule: '0 2 * * *' },
      weekly: { task: 't.weekly', schedule: crontab({ minute: 0, hour: 9, day_of_week: 'mon' }), options: { routing_key: 'rk', expires: '2030-01-01T00:00:00Z' } },
    }, 'Europe/Berlin');
    expect(entries.map((e) => [e.name, e.task, e.schedule.kind])).toEqual([['tick', 't.tick', 'interval'], ['nightly', 't.nightly', 'crontab'], ['weekly', 't.weekly', 'crontab']]);
    expect(entries[0]).toMatchObject({ args: [1], kwargs: { a: 2 }, options: { queue: 'q', priority: 5, expiresSec: 30 }, schedule: { everyMs: 1500 } });
    expect(entries[2]!.options).toEqual({ routingKey: 'rk', expiresAt: new Date('2030-01-01T00:00:00Z') });
    expect(entries[1]!.fingerprint).not.toBe(loadBeatSchedule({ nightly: { task: 'x', schedule: '0 3 * * *' } }, 'Europe/Berlin')[0]!.fingerprint);
    expect(entries[1]!.fingerprint).not.toBe(loadBeatSchedule({ nightly: { task: 'x', schedule: '0 2 * * *' } }, 'UTC')[0]!.fingerprint);
  });

  it('reports every problem at once, with entry and field', () => {
    const problems = problemsOf(() => loadBeatSchedule({
      a: { schedule: 10 },
      b: { task: 't', schedule: -1 },
      c: { task: 't', schedule: '0 25 * * *' },
      d: { task: 't', schedule: 5, options: { queue: 'q', countdown: 3 } },
      e: { task: 't', schedule: '0 0 30 2 *' },
    }, 'UTC'));
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^entry "a": task: /);
    expect(problems[1]).toMatch(/^entry "b": schedule: /);
    expect(problems[2]).toBe('entry "c": schedule: hour: "25": 25 is out of range 0-23');
    expect(problems[3]).toMatch(/^entry "d": options: .*countdown/);
    expect(problems[4]).toMatch(/^entry "e": schedule: crontab "0 0 30 2 \*" never matches/);
  });

  it('rejects an unknown time zone and a non-object schedule', () => {
    expect(problemsOf(() => loadBeatSchedule({}, 'Mars/Olympus'))[0]).toContain('"Mars/Olympus" is not an IANA time zone');
    expect(problemsOf(() => loadBeatSchedule([], 'UTC'))[0]).toContain('beat_schedule must be an object');
  });
});

describe('schedule files', () => {
  it('reads the YAML and JSON examples', async () => {
    const yaml = await readBeatScheduleFile(join(__dirname, '../../../examples/beat-schedule.yaml'));
    expect(yaml.timezone).toBe('Europe/Berlin');
    expect(yaml.entries.map((e) => e.name)).toEqual(['daily-cleanup', 'hourly-health-check', 'tenant-usage', 'daily-report', 'session-cleanup']);
    const json = await readBeatScheduleFile(join(__dirname, '../../../examples/beat-schedule.json'));
    expect(json.entries).toHaveLength(5);
  });

  it('names file and line for each bad entry', () => {
    const text = ['timezone: UTC', 'beat_schedule:', '  ok:', '    task: t', '    schedule: 5', '  bad:', '    task: t', '    schedule: "61 * * * *"', '  worse:', '    schedule: 5'].join('\n');
    expect(problemsOf(() => parseBeatScheduleText(text, 'beat.yaml'))).toEqual([
      expect.stringMatching(/^entry "bad": schedule: minute: "61": 61 is out of range 0-59 \(beat\.yaml:8\)$/),
      expect.stringMatching(/^entry "worse": task: .* \(beat\.yaml:9\)$/),
    ]);
  });

  it('reports a syntax error with its line, and a missing file', async () => {
    expect(problemsOf(() => parseBeatScheduleText('{"a": {"task": "t",\n "schedule": [}', 'b.json'))[0]).toMatch(/^b\.json:2: /);
    await expect(readBeatScheduleFile('/nonexistent/beat.yaml')).rejects.toThrow('cannot read schedule file /nonexistent/beat.yaml');
  });
});
