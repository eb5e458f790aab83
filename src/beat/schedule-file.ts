import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { buildScheduleFingerprint, type BeatEntry, type BeatEntryOptions } from './beat-entry';
import { parseCrontab, parseCrontabString, type Crontab, type CrontabFields } from './crontab';
import { nextRunAt, type Schedule } from './next-run-at';
import { ScheduleError } from './schedule-error';
import { assertTimeZone } from './zoned-time';

const cronField = z.union([z.string(), z.number().int()]);

/**
 * One `beat_schedule` entry as written (Celery's shape). `schedule`: seconds (number > 0), a 5-field
 * cron string `"minute hour day_of_month month_of_year day_of_week"`, or `{ crontab: {...} }`.
 */
const entrySchema = z.strictObject({
  task: z.string().min(1),
  schedule: z.union([
    z.number().positive(),
    z.string().min(1),
    z.strictObject({
      crontab: z.strictObject({ minute: cronField.optional(), hour: cronField.optional(), day_of_week: cronField.optional(),
        day_of_month: cronField.optional(), month_of_year: cronField.optional() }),
    }),
  ]),
  args: z.array(z.unknown()).default([]),
  kwargs: z.record(z.string(), z.unknown()).default({}),
  options: z.strictObject({
    queue: z.string().min(1).optional(),
    routing_key: z.string().min(1).optional(),
    exchange: z.string().optional(),
    priority: z.number().int().min(0).max(255).optional(),
    expires: z.union([z.number().positive(), z.iso.datetime({ offset: true })]).optional(),
    headers: z.record(z.string(), z.unknown()).optional(),
  }).default({}),
});

/** Maps a path inside the schedule object to a position suffix such as ` (line 7)`, when known. */
export type LocateFn = (path: readonly (string | number)[]) => string;

/**
 * Validates a `beat_schedule` object (entry name → `{ task, schedule, args, kwargs, options }`) and
 * returns the entries. Reports every problem at once (ScheduleError), each naming the entry and field.
 */
export function loadBeatSchedule(schedule: unknown, timezone: string, locate: LocateFn = () => ''): BeatEntry[] {
  assertTimeZone(timezone);
  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) {
    throw new ScheduleError(['beat_schedule must be an object mapping entry names to entries']);
  }
  const problems: string[] = [];
  const entries: BeatEntry[] = [];
  for (const [name, raw] of Object.entries(schedule)) {
    const where = `entry "${name}"`;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map(String);
        const field = path.length > 0 ? path.join('.') : '(entry)';
        problems.push(`${where}: ${field}: ${issue.message}${locate([name, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))])}`);
      }
      continue;
    }
    try {
      const e = parsed.data;
      const sched = buildSchedule(e.schedule, `${where}: schedule`, timezone);
      entries.push({
        name, task: e.task, schedule: sched, args: e.args, kwargs: e.kwargs,
        options: buildOptions(e.options), fingerprint: buildScheduleFingerprint(sched, timezone),
      });
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      const at = locate([name, 'schedule']);
      problems.push(...err.problems.map((p) => p + at));
    }
  }
  if (problems.length > 0) throw new ScheduleError(problems);
  return entries;
}

/** A schedule file's content: `{ timezone?, beat_schedule }` or the bare `beat_schedule` mapping. */
export interface BeatScheduleFile {
  entries: BeatEntry[];
  /** `timezone` from the file when present, else the one passed in. */
  timezone: string;
}

/**
 * Parses a JSON or YAML schedule file's text (YAML 1.2 reads JSON too), with line numbers in every
 * problem. `defaultTimezone` applies unless the file sets `timezone`.
 */
export function parseBeatScheduleText(text: string, fileName: string, defaultTimezone = 'UTC'): BeatScheduleFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ScheduleError(doc.errors.map((e) => `${fileName}:${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`));
  }
  const root: unknown = doc.toJS();
  const wrapped = typeof root === 'object' && root !== null && 'beat_schedule' in root;
  const prefix = wrapped ? ['beat_schedule'] : [];
  const body = wrapped ? (root as Record<string, unknown>).beat_schedule : root;
  const tzRaw = wrapped ? (root as Record<string, unknown>).timezone : undefined;
  if (tzRaw !== undefined && typeof tzRaw !== 'string') throw new ScheduleError([`${fileName}: timezone must be a string`]);
  const timezone = tzRaw ?? defaultTimezone;
  const locate: LocateFn = (path) => {
    const line = lineOf(doc, [...prefix, ...path], lineCounter);
    return line === undefined ? ` (${fileName})` : ` (${fileName}:${line})`;
  };
  return { entries: loadBeatSchedule(body, timezone, locate), timezone };
}

/** Reads and parses a `--schedule` file (JSON or YAML). */
export async function readBeatScheduleFile(path: string, defaultTimezone = 'UTC'): Promise<BeatScheduleFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScheduleError([`cannot read schedule file ${path}: ${(err as Error).message}`]);
  }
  return parseBeatScheduleText(text, path, defaultTimezone);
}

function buildSchedule(raw: number | string | { crontab: CrontabFields }, where: string, timezone: string): Schedule {
  if (typeof raw === 'number') return { kind: 'interval', everyMs: Math.round(raw * 1000) };
  const cron: Crontab = typeof raw === 'string' ? parseCrontabString(raw, where) : parseCrontab(raw.crontab, `${where}.crontab`);
  const schedule: Schedule = { kind: 'crontab', crontab: cron };
  try {
    nextRunAt(schedule, new Date(0), timezone);
  } catch (err) {
    if (err instanceof ScheduleError) throw new ScheduleError(err.problems.map((p) => `${where}: ${p}`));
    throw err;
  }
  return schedule;
}

function buildOptions(o: z.infer<typeof entrySchema>['options']): BeatEntryOptions {
  const out: BeatEntryOptions = {};
  if (o.queue !== undefined) out.queue = o.queue;
  if (o.routing_key !== undefined) out.routingKey = o.routing_key;
  if (o.exchange !== undefined) out.exchange = o.exchange;
  if (o.priority !== undefined) out.priority = o.priority;
  if (typeof o.expires === 'number') out.expiresSec = o.expires;
  if (typeof o.expires === 'string') out.expiresAt = new Date(o.expires);
  if (o.headers !== undefined) out.headers = o.headers;
  return out;
}

function lineOf(doc: Document, path: readonly (string | number)[], lc: LineCounter): number | undefined {
  // The deepest node that exists on the path: a missing field points at its entry.
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[n - 1]));
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lc.linePos(range[0]).line;
  }
  return undefined;
}
