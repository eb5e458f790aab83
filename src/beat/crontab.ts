import { ScheduleError } from './schedule-error';

/** Celery's crontab arguments; each a field spec (`'*'`, `'*\/15'`, `'1-5'`, `'mon,wed'`) or a number. */
export interface CrontabFields {
  /** 0-59; default `'*'`. */
  minute?: string | number;
  /** 0-23; default `'*'`. */
  hour?: string | number;
  /** 0-6 with 0 = Sunday (Celery's numbering), or `sun`..`sat`; default `'*'`. */
  day_of_week?: string | number;
  /** 1-31; default `'*'`. */
  day_of_month?: string | number;
  /** 1-12, or `jan`..`dec`; default `'*'`. */
  month_of_year?: string | number;
}

/** A parsed crontab: the sorted values each field allows, plus the source text for fingerprints/logs. */
export interface Crontab {
  minutes: readonly number[];
  hours: readonly number[];
  daysOfWeek: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  monthsOfYear: ReadonlySet<number>;
  /** `minute hour day_of_month month_of_year day_of_week` as written (5-field cron order). */
  text: string;
}

type FieldName = keyof CrontabFields;

const FIELDS: Record<FieldName, { min: number; max: number; names?: readonly string[] }> = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  day_of_week: { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
  day_of_month: { min: 1, max: 31 },
  month_of_year: { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
};

/** The order of a 5-field cron string: `minute hour day_of_month month_of_year day_of_week`. */
export const CRON_STRING_ORDER: readonly FieldName[] = ['minute', 'hour', 'day_of_month', 'month_of_year', 'day_of_week'];

/**
 * Builds the value a JS app puts in `beat_schedule[name].schedule`, like Celery's `crontab(...)`.
 * Validation happens when the schedule is loaded (`loadBeatSchedule`), where the entry name is known.
 */
export function crontab(fields: CrontabFields = {}): { crontab: CrontabFields } {
  return { crontab: { ...fields } };
}

/**
 * Parses Celery crontab fields with Celery's syntax (celery `crontab_parser`): `*`, `*\/n`, `a-b`,
 * `a-b/n`, comma lists, day names (`mon`, `monday`; 0 = Sunday) and month names; a range whose end is
 * below its start wraps (`fri-mon`). Throws ScheduleError listing every bad field, prefixed by `where`.
 */
export function parseCrontab(fields: CrontabFields, where: string): Crontab {
  const problems: string[] = [];
  const parsed = {} as Record<FieldName, number[]>;
  const texts = {} as Record<FieldName, string>;
  for (const name of Object.keys(FIELDS) as FieldName[]) {
    const raw = fields[name] ?? '*';
    texts[name] = String(raw).trim();
    try {
      parsed[name] = parseField(name, raw);
    } catch (err) {
      problems.push(`${where}: ${name}: ${(err as Error).message}`);
    }
  }
  for (const key of Object.keys(fields)) {
    if (!(key in FIELDS)) problems.push(`${where}: "${key}" is not a crontab field (expected ${Object.keys(FIELDS).join(', ')})`);
  }
  if (problems.length > 0) throw new ScheduleError(problems);
  return {
    minutes: parsed.minute,
    hours: parsed.hour,
    daysOfWeek: new Set(parsed.day_of_week),
    daysOfMonth: new Set(parsed.day_of_month),
    monthsOfYear: new Set(parsed.month_of_year),
    text: CRON_STRING_ORDER.map((n) => texts[n]).join(' '),
  };
}

/** Parses a 5-field cron string `"minute hour day_of_month month_of_year day_of_week"` (e.g. `"0 2 * * *"`). */
export function parseCrontabString(text: string, where: string): Crontab {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new ScheduleError([`${where}: "${text}" has ${parts.length} fields; expected 5: ${CRON_STRING_ORDER.join(' ')}`]);
  }
  const fields: CrontabFields = {};
  CRON_STRING_ORDER.forEach((name, i) => { fields[name] = parts[i]; });
  return parseCrontab(fields, where);
}

function parseField(name: FieldName, raw: string | number): number[] {
  const spec = FIELDS[name];
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) throw new Error(`${raw} is not an integer`);
    return [checkRange(raw, String(raw), spec)];
  }
  const text = raw.trim();
  if (text === '') throw new Error('is empty');
  const acc = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new Error(`"${text}" has an empty list item`);
    for (const v of parsePart(part, spec)) acc.add(v);
  }
  return [...acc].sort((a, b) => a - b);
}

function parsePart(part: string, spec: (typeof FIELDS)[FieldName]): number[] {
  const stepped = /^(.*)\/(.*)$/.exec(part);
  const base = stepped ? stepped[1]! : part;
  let values: number[];
  if (base === '*') {
    values = [];
    for (let v = spec.min; v <= spec.max; v++) values.push(v);
  } else {
    const range = /^(\w+?)-(\w+)$/.exec(base);
    if (range) {
      const from = parseValue(range[1]!, part, spec);
      const to = parseValue(range[2]!, part, spec);
      values = [];
      // An end below the start wraps past the maximum, as celery's crontab_parser does.
      if (to < from) {
        for (let v = from; v <= spec.max; v++) values.push(v);
        for (let v = spec.min; v <= to; v++) values.push(v);
      } else {
        for (let v = from; v <= to; v++) values.push(v);
      }
    } else if (stepped) {
      // Celery accepts steps only after `*` or a range (`5/15` is an error there too).
      throw new Error(`"${part}": a step needs "*" or a range before it (e.g. "*/${stepped[2]}" or "${base}-${spec.max}/${stepped[2]}")`);
    } else {
      values = [parseValue(base, part, spec)];
    }
  }
  if (!stepped) return values;
  const stepText = stepped[2]!;
  if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new Error(`"${part}": step "${stepText}" is not a positive integer`);
  const step = Number(stepText);
  return values.filter((_, i) => i % step === 0);
}

function parseValue(token: string, part: string, spec: (typeof FIELDS)[FieldName]): number {
  if (/^\d+$/.test(token)) return checkRange(Number(token), part, spec);
  const lower = token.toLowerCase();
  if (spec.names && /^[a-z]{3,}$/.test(lower)) {
    const index = spec.names.indexOf(lower.slice(0, 3));
    if (index >= 0) return index + (spec.min === 1 ? 1 : 0);
  }
  const hint = spec.names ? ` (numbers ${spec.min}-${spec.max} or names ${spec.names.join(', ')})` : ` (numbers ${spec.min}-${spec.max})`;
  throw new Error(`"${part}": "${token}" is not a valid value${hint}`);
}

function checkRange(value: number, part: string, spec: (typeof FIELDS)[FieldName]): number {
  if (value < spec.min || value > spec.max) throw new Error(`"${part}": ${value} is out of range ${spec.min}-${spec.max}`);
  return value;
}
