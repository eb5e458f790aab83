import { buildGlobRegExp } from '../build-glob-reg-exp';
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
