import { TaskError } from '../errors/celeriac-error';

const PER_SEC: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * Celery's rate strings (`celery/utils/time.py rate`): `'100/m'`, `'10/s'`, `'5/h'`, or a bare number
 * meaning per second; returns tasks per second, 0 = unlimited (empty, null, `0`). Throws TaskError
 * naming the bad string.
 */
export function parseRate(rate: string | number | null | undefined): number {
  if (rate === null || rate === undefined || rate === '') return 0;
  if (typeof rate === 'number') {
    if (!Number.isFinite(rate) || rate < 0) throw badRate(String(rate));
    return rate;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?\s*$/.exec(rate);
  if (!m) throw badRate(rate);
  const n = Number(m[1]);
  return n / (PER_SEC[m[2] ?? 's'] as number);
}

function badRate(text: string): TaskError {
  return new TaskError('CELERIAC_TASK_BAD_RATE', `bad rate limit "${text}": expected "<n>/s", "<n>/m", "<n>/h" or a number per second`);
}
