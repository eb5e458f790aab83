/**
 * A broker/backend URL fit for logs: any password (and `password=` / `sentinel_password=` query
 * value) replaced by `***`. `;`-separated lists (kombu's failover and sentinel URLs) are masked
 * part by part.
 */
export function safeUrl(url: string): string {
  // Split only where a new URL starts, so a raw ";" inside a password does not cut it in two.
  return url.split(/;(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i).map(maskPart).join(';');
}

function maskPart(part: string): string {
  const scheme = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(part)?.[0];
  const masked = scheme === undefined ? part : scheme + maskUserinfo(part.slice(scheme.length));
  return masked.replace(/([?&][a-z_]*password=)[^&#]*/gi, '$1***');
}

/**
 * The userinfo ends at the LAST `@` (WHATWG URL and Python's urlsplit, `netloc.rpartition('@')`, read
 * it so too), so a raw `@`, `/`, `?`, `#` or `:` inside a password stays hidden; the password starts
 * after the first `:` of the userinfo. A query value holding an `@` may hide more than needed, never less.
 */
function maskUserinfo(rest: string): string {
  const at = rest.lastIndexOf('@');
  if (at < 0) return rest;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return rest;
  return `${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
}
