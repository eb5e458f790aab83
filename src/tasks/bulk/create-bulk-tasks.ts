import { z } from 'zod';
import type { TaskContext } from '../../app/task-context';
import { parseTaskArguments } from '../parse-task-arguments';
import { MessageRejectedError, type MessageSender } from './message-sender';
import type { NotificationStore } from './notification-store';
import { ThrottledProgress } from './throttled-progress';

/** Keyword names of `send_bulk_messages(phone_numbers, message, message_type)`. */
export const sendBulkMessagesParams = ['phone_numbers', 'message', 'message_type'] as const;
/** Keyword names of `send_bulk_notifications(user_ids, title, message)`. */
export const sendBulkNotificationsParams = ['user_ids', 'title', 'message'] as const;

const MAX_RECIPIENTS = 100_000;
/** Arguments of `send_bulk_messages`; `message_type` defaults to `sms` as the seeds' endpoint. */
export const sendBulkMessagesArgs = z.tuple([
  z.array(z.string()).max(MAX_RECIPIENTS),
  z.string().min(1).max(1600),
  z.string().min(1).max(32).optional().transform((t) => t ?? 'sms'),
]);
/** Arguments of `send_bulk_notifications`. */
export const sendBulkNotificationsArgs = z.tuple([
  z.array(z.union([z.string().min(1), z.number().int()]).transform(String)).max(MAX_RECIPIENTS),
  z.string().trim().min(1).max(300),
  z.string().min(1).max(10_000),
]);

/** What both bulk tasks return (Python reads `result['sent']`, ...). `failures` lists the first 100. */
export interface BulkSummary {
  sent: number;
  failed: number;
  total: number;
  failures: Array<{ index: number; recipient: string; error: string }>;
}

/** The context a bulk handler uses (a bound task's `self`). */
export type BulkTaskContext = Pick<TaskContext, 'updateState' | 'signal' | 'log' | 'request'>;

/** What `createBulkTasks` needs. */
export interface BulkTasksOptions {
  messages: MessageSender;
  notifications: NotificationStore;
  /** PROGRESS every N items (default 10) or `progressEveryMs` (default 200), and at the end. */
  progressEveryItems?: number;
  progressEveryMs?: number;
  now?: () => Date;
}

/** The bulk family's handlers, for `app.task(name, handler, { bind: true, params, schema })`. */
export interface BulkTasks {
  sendBulkMessages(task: BulkTaskContext, phoneNumbers: unknown, message: unknown, messageType?: unknown): Promise<BulkSummary>;
  sendBulkNotifications(task: BulkTaskContext, userIds: unknown, title: unknown, message: unknown): Promise<BulkSummary>;
}

/** `+` and 7..15 digits once spaces, dashes, dots and parentheses are removed (E.164). */
export function normalizePhoneNumber(raw: string): string | null {
  const compact = raw.trim().replace(/[\s\-().]/g, '');
  const withPlus = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  return /^\+[1-9]\d{6,14}$/.test(withPlus) ? withPlus : null;
}

const MAX_LISTED_FAILURES = 100;

/** Runs `sendOne` over the items in order, counting and reporting; an outage (any other throw) fails the task. */
async function runBatch<T>(task: BulkTaskContext, items: readonly T[], options: BulkTasksOptions,
  sendOne: (item: T, index: number) => Promise<{ ok: true } | { ok: false; recipient: string; error: string }>): Promise<BulkSummary> {
  const summary: BulkSummary = { sent: 0, failed: 0, total: items.length, failures: [] };
  const progress = new ThrottledProgress({
    total: items.length, report: (meta) => task.updateState('PROGRESS', meta),
    everyItems: options.progressEveryItems ?? 10, everyMs: options.progressEveryMs ?? 200,
  });
  for (let i = 0; i < items.length; i++) {
    if (task.signal.aborted) throw task.signal.reason;
    const r = await sendOne(items[i]!, i);
    if (r.ok) summary.sent++;
    else {
      summary.failed++;
      if (summary.failures.length < MAX_LISTED_FAILURES) summary.failures.push({ index: i, recipient: r.recipient, error: r.error });
    }
    await progress.advance(i + 1, { sent: summary.sent, failed: summary.failed });
  }
  await progress.advance(items.length, { sent: summary.sent, failed: summary.failed });
  task.log.info({ sent: summary.sent, failed: summary.failed, total: summary.total }, 'bulk batch done');
  return summary;
}

/**
 * Builds the bulk handlers. Each item gets an idempotency key `<task id>:<index>`, so a retried
 * task (same id) sends or stores only the items the first attempt did not reach.
 */
export function createBulkTasks(options: BulkTasksOptions): BulkTasks {
  const now = options.now ?? (() => new Date());
  return {
    // `rawType` has a default so the arity check treats message_type as optional (Python: message_type="sms").
    async sendBulkMessages(task, rawNumbers, rawMessage, rawType: unknown = undefined) {
      const [numbers, body, messageType] = parseTaskArguments('send_bulk_messages', sendBulkMessagesArgs, [rawNumbers, rawMessage, rawType]);
      return runBatch(task, numbers, options, async (raw, index) => {
        const to = normalizePhoneNumber(raw);
        if (to === null) return { ok: false, recipient: raw, error: 'not a phone number in international form' };
        try {
          await options.messages.send({ to, body, messageType, idempotencyKey: `${task.request.id}:${index}` });
          return { ok: true };
        } catch (err) {
          if (err instanceof MessageRejectedError) return { ok: false, recipient: raw, error: err.message };
          throw err;
        }
      });
    },
    async sendBulkNotifications(task, rawUserIds, rawTitle, rawMessage) {
      const [userIds, title, message] = parseTaskArguments('send_bulk_notifications', sendBulkNotificationsArgs, [rawUserIds, rawTitle, rawMessage]);
      return runBatch(task, userIds, options, async (userId, index) => {
        const outcome = await options.notifications.createNotification({ userId, title, message, idempotencyKey: `${task.request.id}:${index}`, createdAt: now() });
        return outcome === 'unknown-user' ? { ok: false, recipient: userId, error: 'no such user' } : { ok: true };
      });
    },
  };
}
