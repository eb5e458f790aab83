import type { Logger } from 'pino';
import { coerceError } from '../errors/coerce-error';
import type { TrackedRequest } from './request-tracker';

const NOTHING_TO_SETTLE: Promise<void> = Promise.resolve();

/**
 * Acks the message once; a failed ack leaves it in `unacked`, to be redelivered after the visibility
 * timeout. Never rejects. One reaction on the transport's promise (not an async function awaiting it):
 * it runs once per task, and every promise costs more while request scopes are tracked.
 */
export function settle(req: TrackedRequest, log: Logger): Promise<void> {
  if (req.acknowledged) return NOTHING_TO_SETTLE;
  let acked: Promise<void>;
  try {
    acked = req.delivery.ack();
  } catch (thrown) {
    acked = Promise.reject(thrown);
  }
  return acked.then(() => { req.acknowledged = true; }, (thrown: unknown) => {
    // The message stays in `unacked`; the visibility sweep will redeliver it. Nothing is lost.
    log.error({ err: coerceError(thrown) }, 'cannot ack message; it will be redelivered after the visibility timeout');
  });
}

/** Rejects the message once (`requeue`: back to its queue); a failed reject leaves it in `unacked`. */
export async function rejectQuietly(req: TrackedRequest, requeue: boolean, log: Logger): Promise<void> {
  if (req.acknowledged) return;
  try {
    await req.delivery.reject(requeue);
    req.acknowledged = true;
  } catch (thrown) {
    log.error({ err: coerceError(thrown) }, 'cannot reject message; it will be redelivered after the visibility timeout');
  }
}

/**
 * A message whose outcome could not be stored must not be acked: it goes back to its queue (or, when
 * the broker is unreachable too, stays in `unacked` for the visibility sweep) and runs again, so no
 * task that ran ends PENDING. Acks-late tasks must be idempotent anyway (Celery's rule for acks_late).
 */
export async function giveBack(req: TrackedRequest, log: Logger): Promise<void> {
  log.error('task outcome could not be stored; message returned to its queue to run again');
  await rejectQuietly(req, true, log);
}
