import { buildScheduleFingerprint, type BeatEntry } from '../../../src/beat/beat-entry';
import { parseCrontabString } from '../../../src/beat/crontab';
import type { Schedule } from '../../../src/beat/next-run-at';
import { BeatScheduler, type StoredRun } from '../../../src/beat/scheduler';

function entry(name: string, schedule: Schedule, options: BeatEntry['options'] = {}): BeatEntry {
  return { name, task: `t.${name}`, schedule, args: [], kwargs: {}, options, fingerprint: buildScheduleFingerprint(schedule, 'UTC') };
}
const every = (sec: number): Schedule => ({ kind: 'interval', everyMs: sec * 1000 });
const cron = (text: string): Schedule => ({ kind: 'crontab', crontab: parseCrontabString(text, 't') });
const at = (iso: string): Date => new Date(iso);
const names = (r: { due: { entry: BeatEntry }[] }): string[] => r.due.map((d) => d.entry.name);

describe('BeatScheduler', () => {
  it('first runs a new interval entry one period after start, then every period; wakes at the earliest', () => {
    const s = new BeatScheduler([entry('a', every(10)), entry('b', every(25))], { timezone: 'UTC' });
    s.reset(new Map(), at('2024-01-01T00:00:00Z'));
    expect(s.tick(at('2024-01-01T00:00:05Z'))).toEqual({ due: [], nextWakeAt: at('2024-01-01T00:00:10Z') });
    const r = s.tick(at('2024-01-01T00:00:10Z'));
    expect(names(r)).toEqual(['a']);
    expect(r.due[0]!.runAt).toEqual(at('2024-01-01T00:00:10Z'));
    expect(r.due[0]!.expiresAt).toEqual(at('2024-01-01T00:00:20Z')); // default expiry = next run
    expect(r.nextWakeAt).toEqual(at('2024-01-01T00:00:20Z'));
    expect(names(s.tick(at('2024-01-01T00:00:25Z')))).toEqual(['a', 'b']);
    expect(s.upcoming()).toEqual(new Map([['a', at('2024-01-01T00:00:30Z')], ['b', at('2024-01-01T00:00:50Z')]]));
  });

  it('resumes from stored last runs: a restart neither repeats nor skips', () => {
    const e = entry('daily', cron('0 2 * * *'));
    const state = new Map<string, StoredRun>([['daily', { lastRunAt: at('2024-01-01T02:00:00Z'), fingerprint: e.fingerprint }]]);
    const s = new BeatScheduler([e], { timezone: 'UTC' });
    s.reset(state, at('2024-01-01T02:00:30Z'));
    const r = s.tick(at('2024-01-01T02:00:30Z'));
    expect(r.due).toEqual([]);
    expect(r.nextWakeAt).toEqual(at('2024-01-02T02:00:00Z'));
  });

  it('run-once (default): runs missed while down are sent once, as the latest missed run', () => {
    const e = entry('tick', every(1));
    const s = new BeatScheduler([e], { timezone: 'UTC' });
    s.reset(new Map([['tick', { lastRunAt: at('2024-01-01T00:00:00Z'), fingerprint: e.fingerprint }]]), at('2024-01-01T00:00:04.500Z'));
    const r = s.tick(at('2024-01-01T00:00:04.500Z'));
    expect(r.due.map((d) => [d.runAt.toISOString(), d.coalesced])).toEqual([['2024-01-01T00:00:04.000Z', true]]);
    expect(r.nextWakeAt).toEqual(at('2024-01-01T00:00:05Z'));
  });

  it('skip: a run more than lateGraceMs late is dropped; an on-time one is sent', () => {
    const e = entry('daily', cron('0 2 * * *'));
    const s = new BeatScheduler([e], { timezone: 'UTC', missedRunPolicy: 'skip', lateGraceMs: 1000 });
    s.reset(new Map([['daily', { lastRunAt: at('2024-01-01T02:00:00Z'), fingerprint: e.fingerprint }]]), at('2024-01-03T05:00:00Z'));
    const r = s.tick(at('2024-01-03T05:00:00Z'));
    expect(r.due).toEqual([]);
    expect(r.nextWakeAt).toEqual(at('2024-01-04T02:00:00Z'));
    expect(s.tick(at('2024-01-04T02:00:00.500Z')).due.map((d) => d.runAt)).toEqual([at('2024-01-04T02:00:00Z')]);
  });

  it('a changed schedule (fingerprint) ignores the stored run and starts fresh', () => {
    const e = entry('x', every(60));
    const s = new BeatScheduler([e], { timezone: 'UTC' });
    s.reset(new Map([['x', { lastRunAt: at('2024-01-01T00:00:00Z'), fingerprint: 'old' }]]), at('2024-01-01T01:00:00Z'));
    const r = s.tick(at('2024-01-01T01:00:00Z'));
    expect(r.due).toEqual([]);
    expect(r.nextWakeAt).toEqual(at('2024-01-01T01:01:00Z'));
  });

  it('honours options.expires (seconds or absolute)', () => {
    const s = new BeatScheduler([entry('a', every(10), { expiresSec: 3 }), entry('b', every(10), { expiresAt: at('2030-01-01T00:00:00Z') })], { timezone: 'UTC' });
    s.reset(new Map(), at('2024-01-01T00:00:00Z'));
    expect(s.tick(at('2024-01-01T00:00:10Z')).due.map((d) => d.expiresAt)).toEqual([at('2024-01-01T00:00:13Z'), at('2030-01-01T00:00:00Z')]);
  });

  it('wakes a minute later when there is nothing to schedule', () => {
    const s = new BeatScheduler([], { timezone: 'UTC' });
    s.reset(new Map(), at('2024-01-01T00:00:00Z'));
    expect(s.tick(at('2024-01-01T00:00:00Z')).nextWakeAt).toEqual(at('2024-01-01T00:01:00Z'));
  });
});
