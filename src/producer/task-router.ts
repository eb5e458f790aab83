import type { TaskRouteResolver } from '../canvas/build-signature-message';
import { ConfigError } from '../errors/celeriac-error';
import { buildGlobRegExp } from '../protocol/build-glob-reg-exp';

/** A route value as Celery's `task_routes` accepts it: a queue name or `{queue, exchange, routing_key, priority}`. */
export type TaskRouteValue = string | { queue?: string; exchange?: string; routing_key?: string; priority?: number };

/** Celery's `task_routes`: one map or a list of maps, keys = exact names, globs (`*`) or `/regex/`. */
export type TaskRoutes = Record<string, TaskRouteValue> | Record<string, TaskRouteValue>[];

interface Rule {
  matches: (name: string) => boolean;
  value: TaskRouteValue;
}

/**
 * Builds the resolver `send_task` uses when no queue/exchange option was given, as Celery's
 * `MapRoute` + `Router.route`: maps are tried in order; inside a map an exact name wins over
 * patterns (globs with `*`/`?`, or `/regex/`), patterns in insertion order; no match →
 * `task_default_queue`. A queue name routes through the anonymous exchange (routing key = queue).
 * Throws ConfigError listing every unusable key or value.
 */
export function createTaskRouter(taskRoutes: TaskRoutes | undefined, defaultQueue = 'celery'): TaskRouteResolver {
  const maps = taskRoutes === undefined ? [] : Array.isArray(taskRoutes) ? taskRoutes : [taskRoutes];
  const problems: string[] = [];
  const compiled = maps.map((map, m) => {
    const exact = new Map<string, TaskRouteValue>();
    const patterns: Rule[] = [];
    for (const [key, value] of Object.entries(map)) {
      const where = `task_routes${maps.length > 1 ? `[${m}]` : ''}[${JSON.stringify(key)}]`;
      const problem = checkValue(value);
      if (problem) problems.push(`${where}: ${problem}`);
      const regex = /^\/(.*)\/$/.exec(key);
      if (regex) {
        try {
          const re = new RegExp(regex[1] as string);
          patterns.push({ matches: (name) => re.test(name), value });
        } catch (err) {
          problems.push(`${where}: invalid regular expression (${(err as Error).message})`);
        }
      } else if (/[*?[]/.test(key)) {
        const re = buildGlobRegExp(key);
        patterns.push({ matches: (name) => re.test(name), value });
      } else {
        exact.set(key, value);
      }
    }
    return { exact, patterns };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return (taskName) => {
    for (const { exact, patterns } of compiled) {
      const value = exact.get(taskName) ?? patterns.find((p) => p.matches(taskName))?.value;
      if (value !== undefined) return toRoute(value, defaultQueue);
    }
    return { exchange: '', routingKey: defaultQueue };
  };
}

function toRoute(value: TaskRouteValue, defaultQueue: string): ReturnType<TaskRouteResolver> {
  if (typeof value === 'string') return { exchange: '', routingKey: value };
  const priority = value.priority === undefined ? {} : { priority: value.priority };
  if (value.exchange !== undefined && value.exchange !== '') {
    return { exchange: value.exchange, routingKey: value.routing_key ?? value.queue ?? '', ...priority };
  }
  return { exchange: '', routingKey: value.queue ?? value.routing_key ?? defaultQueue, ...priority };
}

function checkValue(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? 'queue name is empty' : null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a queue name or {queue, exchange, routing_key, priority}';
  const v = value as Record<string, unknown>;
  for (const k of ['queue', 'exchange', 'routing_key']) if (v[k] !== undefined && typeof v[k] !== 'string') return `${k} must be a string`;
  if (v.priority !== undefined && (typeof v.priority !== 'number' || !Number.isInteger(v.priority) || v.priority < 0 || v.priority > 255)) {
    return 'priority must be an integer 0..255';
  }
  return null;
}
