import { decodeTaskMessage } from '../protocol/decode-task-message';
import type { KombuMessage, Route } from '../protocol/kombu-message';

/** One task message published during a test (by the test, a task's `delay()`, a retry, a chain step, a callback). */
export interface SentTask {
  /** Task id. */
  id: string;
  /** Task name. */
  task: string;
  /** Routing key it was published with: the queue, for the default (anonymous) exchange. */
  queue: string;
  /** Exchange ('' = the default exchange). */
  exchange: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Custom headers (`headers` option, correlation fields), without Celery's own. */
  headers: Record<string, unknown>;
  /** Earliest run time (countdown/eta/retry), or null. */
  eta: Date | null;
  retries: number;
  parentId: string | null;
  rootId: string | null;
  priority: number | null;
  /** The message as published (kombu envelope: headers, properties, body). */
  message: KombuMessage;
}

/** Which sent tasks to select: a task name, or any of name/queue/parent. */
export type SentTaskFilter = string | { task?: string; queue?: string; parentId?: string };

/** A published message as a SentTask. Pure. */
export function buildSentTask(message: KombuMessage, route: Route): SentTask {
  const msg = decodeTaskMessage(message, { accept: ['json', 'application/json'], maxBodyBytes: Number.MAX_SAFE_INTEGER });
  return {
    id: msg.id, task: msg.task, queue: route.routingKey, exchange: route.exchange, args: msg.args, kwargs: msg.kwargs,
    headers: msg.customHeaders, eta: msg.eta, retries: msg.retries, parentId: msg.parentId, rootId: msg.rootId, priority: msg.priority, message,
  };
}

/** True when `sent` matches `filter`. */
export function matchesSentTask(sent: SentTask, filter: SentTaskFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return sent.task === filter;
  return (filter.task === undefined || sent.task === filter.task) && (filter.queue === undefined || sent.queue === filter.queue)
    && (filter.parentId === undefined || sent.parentId === filter.parentId);
}
