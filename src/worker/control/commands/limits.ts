import type { ControlHandler } from '../control-context';

/** `rate_limit` (`task_name`, `rate_limit` e.g. `10/m`; empty/0 disables): Celery's replies. */
export const rateLimit: ControlHandler = (ctx, args) => {
  const raw = args.rate_limit;
  const text = raw == null ? '' : String(raw);
  const invalid = checkRate(text);
  if (invalid) return { error: `Invalid rate limit string: ValueError(${ctx.reprs.repr(invalid)})` };
  if (!ctx.limits) return { error: 'rate limits are not supported by this worker' };
  const disabled = text === '' || Number(text.split('/')[0]) === 0;
  if (!ctx.limits.setRateLimit(String(args.task_name), disabled ? null : text)) return { error: 'unknown task' };
  return { ok: disabled ? 'rate limit disabled successfully' : 'new rate limit set successfully' };
};

/** `time_limit` (`task_name`, `soft`, `hard` seconds). */
export const timeLimit: ControlHandler = (ctx, args) => {
  if (!ctx.limits) return { error: 'time limits are not supported by this worker' };
  const ok = ctx.limits.setTimeLimits(String(args.task_name), seconds(args.soft), seconds(args.hard));
  return ok ? { ok: 'time limits set successfully' } : { error: 'unknown task' };
};

/** Celery's `rate()` check: `<float>[/s|/m|/h]`; returns Python's ValueError text when invalid. */
function checkRate(text: string): string | null {
  if (text === '') return null;
  const [ops = '', modifier = 's'] = text.split('/', 2);
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(ops)) return `could not convert string to float: '${ops}'`;
  if (!['s', 'm', 'h', ''].includes(modifier)) return `unknown rate modifier: '${modifier}'`;
  return null;
}

function seconds(value: unknown): number | null {
  if (value == null || value === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`time limit must be a non-negative number, got ${String(value)}`);
  return n;
}
