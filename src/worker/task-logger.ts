import type { Logger } from 'pino';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * The logger of one task run: behaves as `parent.child(bindings)`, but creates that child only when
 * something other than a plain log call needs it (user code reading `task.log.child`, `bindings()`,
 * ...). A pino child costs a serialisation of its bindings through the redaction paths; at thousands
 * of tasks a second most runs log a line or two (or nothing, below the level), so each call instead
 * merges the bindings into its own object on the parent: the same JSON fields, no per-task child.
 */
export function createTaskLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings));
  const methods = new Map<string, unknown>();
  return new Proxy(parent, {
    get(target, prop) {
      if (typeof prop === 'string' && LEVELS.has(prop)) {
        let method = methods.get(prop);
        if (!method) {
          method = (first?: unknown, ...rest: unknown[]): void => {
            if (child) return void (child[prop as 'info'] as (...a: unknown[]) => void)(first, ...rest);
            if (!target.isLevelEnabled(prop)) return;
            const log = target[prop as 'info'].bind(target) as (...a: unknown[]) => void;
            if (first instanceof Error) log({ ...bindings, err: first }, ...rest);
            else if (typeof first === 'object' && first !== null) log({ ...bindings, ...(first as object) }, ...rest);
            else if (first === undefined) log(bindings);
            else log(bindings, first, ...rest);
          };
          methods.set(prop, method);
        }
        return method;
      }
      // Level queries need no child: a child shares its parent's level.
      const source = !child && (prop === 'isLevelEnabled' || prop === 'level' || prop === 'levelVal') ? target : real();
      const value = Reflect.get(source, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(source) : value;
    },
  }) as Logger;
}
