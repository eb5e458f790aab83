import type { Crontab } from './crontab';
import { ScheduleError } from './schedule-error';
import { instantOfWallClock, wallClockMs, wallClockOf } from './zoned-time';

/** When an entry runs: every N ms (Celery `schedule(run_every=...)`/a number of seconds), or a crontab. */
export type Schedule =
  | { kind: 'interval'; everyMs: number }
  | { kind: 'crontab'; crontab: Crontab };

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Feb 29 on a given weekday recurs within 28 years; search a little longer, then give up. */
const MAX_SEARCH_DAYS = 366 * 30;

/**
 * The first run strictly after `after`. Pure. Intervals add their period (time zone irrelevant).
 * Crontabs match the wall clock in `timeZone`: day_of_month AND day_of_week must both match (as
 * Celery's crontab requires, unlike Vixie cron's OR); a wall time skipped by a spring-forward change
 * fires after the gap with the pre-change offset (02:30 → 03:30, as zoneinfo's fold=0); a wall time
 * repeated by a fall-back change fires once, at its first occurrence. Throws ScheduleError if the
 * crontab never matches (e.g. 31 February).
 */
export function nextRunAt(schedule: Schedule, after: Date, timeZone: string): Date {
  if (schedule.kind === 'interval') return new Date(after.getTime() + schedule.everyMs);
  const afterMs = after.getTime();
  const cron = schedule.crontab;
  const w = wallClockOf(afterMs, timeZone);
  const startLocal = wallClockMs({ ...w, second: 0 }) + MINUTE;
  const firstDay = Date.UTC(w.year, w.month - 1, w.day);
  let best: number | undefined;
  let bestLocal = 0;
  for (let i = 0; i <= MAX_SEARCH_DAYS; i++) {
    const dayMs = firstDay + i * DAY;
    if (best !== undefined && dayMs > bestLocal + 3 * HOUR) break;
    const d = new Date(dayMs);
    if (!cron.monthsOfYear.has(d.getUTCMonth() + 1) || !cron.daysOfMonth.has(d.getUTCDate()) || !cron.daysOfWeek.has(d.getUTCDay())) continue;
    for (const h of cron.hours) {
      for (const m of cron.minutes) {
        const local = dayMs + h * HOUR + m * MINUTE;
        if (local < startLocal) continue;
        // Candidates come in wall-clock order; only inside a spring-forward gap can a later wall time
        // map to an earlier instant, so look a few wall hours past the first hit and keep the minimum.
        if (best !== undefined && local > bestLocal + 3 * HOUR) return new Date(best);
        const instant = instantOfWallClock({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: h, minute: m, second: 0 }, timeZone);
        if (instant <= afterMs) continue;
        if (best === undefined) {
          // An existing wall time is the answer; only a shifted (non-existent) one needs the look-ahead.
          if (wallClockMs(wallClockOf(instant, timeZone)) === local) return new Date(instant);
          bestLocal = local;
        }
        if (best === undefined || instant < best) best = instant;
      }
    }
  }
  if (best !== undefined) return new Date(best);
  throw new ScheduleError([`crontab "${cron.text}" never matches a date (checked ${MAX_SEARCH_DAYS} days)`]);
}

/**
 * The latest run `r` with `after < r <= now`, or null if none is due. Used to coalesce missed runs
 * into one (Celery's behaviour: a late beat sends a missed entry once, not once per missed period).
 */
export function latestRunAtOrBefore(schedule: Schedule, after: Date, now: Date, timeZone: string): Date | null {
  const afterMs = after.getTime();
  const nowMs = now.getTime();
  if (schedule.kind === 'interval') {
    if (afterMs + schedule.everyMs > nowMs) return null;
    return new Date(afterMs + Math.floor((nowMs - afterMs) / schedule.everyMs) * schedule.everyMs);
  }
  if (nextRunAt(schedule, after, timeZone).getTime() > nowMs) return null;
  // Widen a look-back window until it holds a run, so the walk below stays short for any backlog.
  for (const windowMs of [HOUR, DAY, 32 * DAY, 367 * DAY, 30 * 367 * DAY]) {
    let cursor = Math.max(afterMs, nowMs - windowMs);
    let latest: number | null = null;
    for (;;) {
      const next = nextRunAt(schedule, new Date(cursor), timeZone).getTime();
      if (next > nowMs) break;
      latest = next;
      cursor = next;
    }
    if (latest !== null) return new Date(latest);
  }
  return null;
}
