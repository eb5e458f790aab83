import type { Clock } from './clock';
import type { RunAbort } from './run-abort';
import type { TimeLimits } from './task-limits';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from './time-limit-errors';

/**
 * The handler starts in a microtask of its own (a sync throw becomes a rejection; the caller's turn
 * ends first), reacting to one shared resolved promise rather than a new one per run.
 */
const TURN: Promise<void> = Promise.resolve();

/**
 * Runs a handler under soft and hard time limits. Soft: the run's AbortSignal is aborted with
 * SoftTimeLimitExceeded (the task may catch it and clean up). Hard: the run is abandoned and the
 * returned promise rejects with TimeLimitExceeded. On this (event-loop) pool a handler that blocks
 * the loop cannot be interrupted; its timers fire once it yields.
 */
export function runWithTimeLimits<T>(run: () => T | Promise<T>, limits: TimeLimits, abort: RunAbort, clock: Clock): Promise<T> {
  if (limits.softSec === null && limits.hardSec === null) return TURN.then(run);
  return new Promise<T>((resolve, reject) => {
    const cancels: Array<() => void> = [];
    const done = (): void => { for (const c of cancels) c(); };
    if (limits.softSec !== null && (limits.hardSec === null || limits.softSec < limits.hardSec)) {
      const soft = limits.softSec;
      cancels.push(clock.setTimer(() => { abort.abort(new SoftTimeLimitExceeded(soft)); }, soft * 1000));
    }
    if (limits.hardSec !== null) {
      const hard = limits.hardSec;
      cancels.push(clock.setTimer(() => {
        const err = new TimeLimitExceeded(hard);
        abort.abort(err);
        done();
        reject(err);
      }, hard * 1000));
    }
    TURN.then(run).then((v) => { done(); resolve(v); }, (e: unknown) => { done(); reject(e); });
  });
}
