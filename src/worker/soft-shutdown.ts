import type { Logger } from 'pino';
import { coerceError } from '../errors/coerce-error';
import type { Clock } from './clock';
import { closeWithin } from './close-within';
import { RETURNED } from './abort-reasons';
import type { RequestTracker, TrackedRequest } from './request-tracker';

/**
 * Waits for running tasks; past `timeoutSec` (Celery 5.5's `worker_soft_shutdown_timeout`; 0 = wait
 * for ever) gives the still-running acks-late ones back to their queues and aborts them, so nothing is
 * acked that did not finish. A task whose handler already returned (`handlerRunning` false: its
 * result is being written, then its message settled) is not given back: its result may already be
 * on the wire, and giving it back would run it twice. It gets up to `settleTimeoutMs` more to
 * settle; what is still unsettled after that comes back when the transport closes. Each give-back
 * waits at most `settleTimeoutMs` too: with the broker gone it cannot happen, and the message comes
 * back from `unacked` after the visibility timeout instead.
 */
export async function waitWithSoftShutdown(tracker: RequestTracker, waitIdle: () => Promise<void>, timeoutSec: number | undefined,
  clock: Clock, log: Logger, settleTimeoutMs = 5000, handlerRunning: (req: TrackedRequest) => boolean = () => true): Promise<void> {
  if (!timeoutSec) return waitIdle();
  let cancel = (): void => undefined;
  const expired = new Promise<true>((resolve) => { cancel = clock.setTimer(() => resolve(true), timeoutSec * 1000); });
  const timedOut = await Promise.race([waitIdle().then(() => false), expired]);
  cancel();
  if (!timedOut) return;
  const unacked = tracker.list('active').filter((r) => !r.acknowledged);
  const running = unacked.filter((r) => handlerRunning(r));
  const finishing = unacked.length - running.length;
  log.warn({ returned: running.length, finishing, abandoned: tracker.count('active') - unacked.length, timeoutSec },
    'soft shutdown timeout: returning running acks-late tasks to their queues');
  for (const req of running) {
    // Abort first: a run that ends meanwhile must not store a result for a message that will run again.
    req.abort.abort(RETURNED);
    await closeWithin(req.delivery.reject(true).then(() => { req.acknowledged = true; },
      (e: unknown) => log.error({ err: coerceError(e), taskId: req.msg.id }, 'cannot return a running task; the transport gives it back at close')),
    settleTimeoutMs, clock, log, 'return a running task');
  }
  // Results being written: let them land and their messages settle (bounded), rather than run them twice.
  if (finishing > 0) await closeWithin(waitIdle(), settleTimeoutMs, clock, log, 'settle tasks whose results are being written');
}
