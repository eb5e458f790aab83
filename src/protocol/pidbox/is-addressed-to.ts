import type { ControlRequest } from './decode-control-request';

/**
 * Whether `hostname` must act on a request, as kombu's `Node.handle_message`: a non-empty
 * `destination` must list it; otherwise `pattern` + `matcher` must match it; otherwise everybody acts.
 * Unknown matchers (kombu raises MatcherNotInstalled) and invalid regexes match nobody.
 */
export function isAddressedTo(request: Pick<ControlRequest, 'destination' | 'pattern' | 'matcher'>, hostname: string): boolean {
  if (request.destination && request.destination.length > 0) return request.destination.includes(hostname);
  if (request.pattern && request.matcher) return matchNodeName(hostname, request.pattern, request.matcher);
  return true;
}

/** kombu's matcher registry: `glob` = `fnmatch(hostname, pattern)`, `pcre` = `re.match(pattern, hostname)`. */
export function matchNodeName(hostname: string, pattern: string, matcher: string): boolean {
  if (matcher === 'glob') return buildGlobRegExp(pattern).test(hostname);
  if (matcher === 'pcre') {
    try {
      // re.match anchors at the start only; the sticky flag does the same
      return new RegExp(pattern, 'y').test(hostname);
    } catch {
      return false;
    }
  }
  return false;
}

/** Python `fnmatch.translate`: `*`, `?`, `[seq]`, `[!seq]`, whole-string match. */
export function buildGlobRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '[') {
      // as fnmatch: a `]` first in the set (after an optional `!`) is a literal member
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      const close = pattern.indexOf(']', j);
      if (close < 0) {
        out += '\\[';
      } else {
        const raw = pattern.slice(i + 1, close);
        const negate = raw.startsWith('!');
        // JS classes need `\`, `[`, `]` and a leading `^` escaped; Python's need only `\`
        const body = (negate ? raw.slice(1) : raw).replace(/[\\[\]^]/g, '\\$&');
        out += `[${negate ? '^' : ''}${body}]`;
        i = close;
      }
    } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}
