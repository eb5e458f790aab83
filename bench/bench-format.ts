/** Number formatting and statistics the bench's tables share. */

/** `n` with thousands separators and `digits` decimals; `n/a` for a missing or non-finite value. */
export const fmt = (n: number | undefined, digits = 0): string =>
  (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** Median of `xs`; undefined when empty. */
export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `min–max (±half-range as % of the median)`, `(1 run)` or `n/a`. */
export function spread(xs: number[]): string {
  if (xs.length === 0) return 'n/a';
  if (xs.length === 1) return '(1 run)';
  const m = median(xs) as number;
  return `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} (±${fmt(((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100, 1)}%)`;
}
