import { ScheduleError } from './schedule-error';

/** A wall-clock time in some time zone (no offset): what a crontab field matches against. */
export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch (err) {
      throw new ScheduleError([`timezone "${timeZone}" is not an IANA time zone name (e.g. "UTC", "Europe/Berlin")`]);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws ScheduleError when `timeZone` is not a time zone this Node (Intl) knows. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** The wall clock in `timeZone` at `instantMs` (whole seconds). */
export function wallClockOf(instantMs: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** The wall clock read as if it were UTC, in ms: a plain number to do calendar arithmetic on. */
export function wallClockMs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** UTC offset of `timeZone` at `instantMs`, in ms (wall minus UTC). */
export function offsetMsAt(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(wallClockOf(whole, timeZone)) - whole;
}

/**
 * The instant a wall-clock time denotes in `timeZone`, resolved as Python's zoneinfo does for
 * `fold=0` (what Celery's crontab uses): an ambiguous time (clocks set back) is its first occurrence;
 * a time that does not exist (clocks set forward) is read with the offset in force before the gap,
 * so 02:30 on a spring-forward night lands at 03:30 new time.
 */
export function instantOfWallClock(w: WallClock, timeZone: string): number {
  const local = wallClockMs(w);
  const day = 86_400_000;
  // Assumes at most one offset change within a day either side, true of every IANA zone.
  const before = offsetMsAt(local - day, timeZone);
  const after = offsetMsAt(local + day, timeZone);
  const candidates = [local - before, local - after].filter((i) => wallClockMs(wallClockOf(i, timeZone)) === local);
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before;
}
