/**
 * Python `fnmatch.translate`: `*`, `?`, `[seq]`, `[!seq]`, whole-string match. Used for Celery's
 * glob task routes and for pidbox destinations, which both go through fnmatch in Python.
 */
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
