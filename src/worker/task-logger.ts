import type { Logger } from 'pino';
import { mergeRecords } from './merge-records';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
type LogMethod = (first?: unknown, ...rest: unknown[]) => void;

const LEVELS: ReadonlySet<string> = new Set<Level>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * The logger of one task run: behaves as `parent.child(bindings)`, but creates that child only when
 * something other than a plain log call needs it (user code reading `task.log.child`, `bindings()`,
 * ...). A pino child costs a serialisation of its bindings through the redaction paths; at thousands
 * of tasks a second most runs log a line or two (or nothing, below the level), so each call instead
 * merges the bindings into its own object on the parent: the same JSON fields, no per-task child.
 * The level methods are made on first use and called on the parent directly (no bind per call).
 */
export function createTaskLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings));
  let methods: Partial<Record<Level, LogMethod>> | undefined;
  const method = (level: Level): LogMethod => (first, ...rest) => {
    if (child) return void (child[level] as LogMethod)(first, ...rest);
    if (!parent.isLevelEnabled(level)) return;
    const log = parent[level] as LogMethod;
    // mergeRecords rather than `{ ...bindings, ... }`: a spread object with keys added after it is slow on Node 20.
    if (first instanceof Error) log.call(parent, mergeRecords(bindings, { err: first }), ...rest);
    else if (typeof first === 'object' && first !== null) log.call(parent, mergeRecords(bindings, first), ...rest);
    else if (first === undefined) log.call(parent, bindings);
    else log.call(parent, bindings, first, ...rest);
  };
  return new Proxy(parent, {
    get(target, prop) {
      if (typeof prop === 'string' && LEVELS.has(prop)) {
        methods ??= {};
        return (methods[prop as Level] ??= method(prop as Level));
      }
      // Level queries need no child: a child shares its parent's level.
      const source = !child && (prop === 'isLevelEnabled' || prop === 'level' || prop === 'levelVal') ? target : real();
      const value = Reflect.get(source, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(source) : value;
    },
  }) as Logger;
}
