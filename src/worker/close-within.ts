import { coerceError } from '../errors/coerce-error';
import type { Clock } from './clock';

/**
 * Awaits one shutdown step for at most `timeoutMs`: a step that fails is logged, and one that is
 * still waiting past the bound (a command queued for a broker that is gone) is logged and left
 * behind, so a stopping worker always gets to the end of its shutdown. Never throws.
 */
export async function closeWithin(step: Promise<unknown> | undefined, timeoutMs: number, clock: Clock,
  log: { warn(fields: object, msg: string): void }, what: string): Promise<void> {
  if (!step) return;
  let cancel = (): void => undefined;
  const expired = new Promise<'expired'>((resolve) => { cancel = clock.setTimer(() => resolve('expired'), timeoutMs); });
  try {
    const outcome = await Promise.race([step.then(() => 'done' as const), expired]);
    if (outcome === 'expired') log.warn({ step: what, timeoutMs }, 'shutdown step timed out; continuing without it');
  } catch (thrown) {
    log.warn({ err: coerceError(thrown), step: what }, 'shutdown step failed');
  } finally {
    cancel();
  }
}
