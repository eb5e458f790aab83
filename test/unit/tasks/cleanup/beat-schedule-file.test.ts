import { join } from 'node:path';
import { readBeatScheduleFile } from '../../../../src/beat/schedule-file';
import { nextRunAt } from '../../../../src/beat/next-run-at';

const FILE = join(__dirname, '../../../../examples/lms/beat-schedule.yaml');

describe('examples/lms/beat-schedule.yaml', () => {
  it('parses with the project parser and holds the seeds four maintenance entries on low_priority', async () => {
    const { entries, timezone } = await readBeatScheduleFile(FILE);
    expect(timezone).toBe('UTC');
    expect(entries.map((e) => [e.name, e.task, e.options.queue])).toEqual([
      ['cleanup-old-files', 'app.tasks.maintenance_tasks.cleanup_old_files', 'low_priority'],
      ['cleanup-temporary-files', 'app.tasks.maintenance_tasks.cleanup_temporary_files', 'low_priority'],
      ['cleanup-old-sessions', 'app.tasks.maintenance_tasks.cleanup_old_sessions', 'low_priority'],
      ['periodic-health-check', 'app.tasks.maintenance_tasks.periodic_health_check', 'low_priority'],
    ]);
    expect(entries[0]!.kwargs).toEqual({ max_age_days: 30 });
  });

  it('runs files daily at 02:00, temporary files hourly, sessions and health every 30 minutes', async () => {
    const { entries, timezone } = await readBeatScheduleFile(FILE);
    const byName = new Map(entries.map((e) => [e.name, e.schedule]));
    const after = new Date('2026-05-10T13:17:00Z');
    expect(nextRunAt(byName.get('cleanup-old-files')!, after, timezone)).toEqual(new Date('2026-05-11T02:00:00Z'));
    expect(nextRunAt(byName.get('cleanup-temporary-files')!, after, timezone)).toEqual(new Date('2026-05-10T14:00:00Z'));
    expect(byName.get('cleanup-old-sessions')).toEqual({ kind: 'interval', everyMs: 30 * 60_000 });
    expect(byName.get('periodic-health-check')).toEqual({ kind: 'interval', everyMs: 30 * 60_000 });
  });
});
