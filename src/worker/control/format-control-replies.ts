import { pythonRepr } from '../../protocol/python-repr';

/** Options of formatControlReplies. */
export interface FormatRepliesOptions {
  /** Print each reply's body under its node line (`celery inspect`); `celery status` does not. */
  showReply: boolean;
  /** End with `<N> node(s) online.` as `celery inspect`/`status` do (default); `celery control` does not. */
  showCount?: boolean;
}

/**
 * Replies as the `celery` CLI prints them (`celery/bin/control.py`, `celery/bin/base.py`, without
 * colours): `->  <node>: OK` (or `ERROR`), the body indented by 8 when shown, then
 * `\n<N> node(s) online.`. Lists print as `* item` lines (item as Python's str()), other dicts as sorted 4-space JSON.
 */
export function formatControlReplies(replies: ReadonlyArray<Record<string, unknown>>, options: FormatRepliesOptions): string {
  const lines: string[] = [];
  for (const reply of replies) {
    const node = Object.keys(reply)[0];
    if (node === undefined) continue;
    const [status, body] = pretty(reply[node]);
    lines.push(`->  ${node}: ${status}`);
    if (options.showReply && body !== '') lines.push(indent(body, 4));
  }
  const n = replies.length;
  if (options.showCount !== false) lines.push('', `${n} ${n === 1 ? 'node' : 'nodes'} online.`);
  return lines.join('\n');
}

/** Celery's `CLIContext.pretty`: status word and body text. */
function pretty(value: unknown): ['OK' | 'ERROR', string] {
  // Python formats each item with str(): strings bare, dicts/lists as their repr.
  if (Array.isArray(value)) return ['OK', value.length === 0 ? '- empty -' : value.map((i) => `* ${listItem(i)}`).join('\n')];
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('ok' in record) return ['OK', indent(pretty(record.ok)[1], 4)];
    if ('error' in record) return ['ERROR', indent(pretty(record.error)[1], 4)];
    return ['OK', JSON.stringify(sortKeys(record), null, 4)];
  }
  if (typeof value === 'string') return ['OK', value];
  return ['OK', value === null || value === undefined ? 'None' : String(value)];
}

function listItem(item: unknown): string {
  return typeof item === 'string' ? item : pythonRepr(item, { style: 'repr' });
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text.split('\n').map((l) => pad + l).join('\n');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
