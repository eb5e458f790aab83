/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`). */
const GMT_DATE = /^[A-Za-z]{3,9}, [0-9]{2}[ -][A-Za-z]{3}[ -][0-9]{2,4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;
/** asctime (`Sun Nov  6 08:49:37 1994`), which is GMT although it does not say so. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$/;

/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3) into seconds from `now`: delta-seconds
 * (`120`) or an HTTP-date in any of its three forms. A date in the past gives 0; a missing or
 * malformed value gives null (the caller falls back to its backoff).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^[0-9]+$/.test(raw)) return Number(raw);
  let at = Number.NaN;
  if (GMT_DATE.test(raw)) at = Date.parse(raw);
  else if (ASCTIME.test(raw)) at = Date.parse(`${raw.replace(/ +/g, ' ')} GMT`);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
