import type { EventReprs } from '../events/build-task-event-data';
import type { LamportClock } from '../events/lamport-clock';
import type { WorkerController, WorkerInspector } from '../worker-state';
import type { RevokedSet } from './revoked-set';
import type { RevokedStamps } from './revoked-stamps';

/** The part of the EventDispatcher remote control drives (`enable_events`, `disable_events`, `heartbeat`). */
export interface ControlledEvents {
  enableTaskEvents(): boolean;
  disableTaskEvents(): boolean;
  sendRequestedHeartbeat(): Promise<void>;
}

/** Per-task limits changed at runtime (`rate_limit`, `time_limit`); optional worker capability. */
export interface TaskLimitsController {
  /** Sets (or with null clears) a task's rate limit, e.g. `10/m`; false when the task is unknown. */
  setRateLimit(taskName: string, rateLimit: string | null): boolean;
  /** Sets a task's soft/hard time limits in seconds (null = none); false when the task is unknown. */
  setTimeLimits(taskName: string, softSec: number | null, hardSec: number | null): boolean;
}

/** Everything a control command may read or call. */
export interface ControlContext {
  readonly inspector: WorkerInspector;
  readonly controller: WorkerController;
  readonly revoked: RevokedSet;
  /** Stamps flagged by `revoke_by_stamped_headers`. */
  readonly revokedStamps: RevokedStamps;
  readonly clock: LamportClock;
  readonly reprs: EventReprs;
  /** Null when the worker runs without events. */
  readonly events: ControlledEvents | null;
  /** Null when the worker cannot change limits at runtime. */
  readonly limits: TaskLimitsController | null;
  /** Epoch milliseconds. */
  now(): number;
  /** Process id reported in `stats` and request infos. */
  readonly pid: number;
}

/** Returned by a handler that must not be answered (`shutdown`, as the Python worker exits without replying). */
export const NO_REPLY: unique symbol = Symbol('no-reply');

/** One remote control command: returns the reply value (or NO_REPLY). Thrown errors reply `{"error": repr(err)}`. */
export type ControlHandler = (ctx: ControlContext, args: Record<string, unknown>) => unknown;

/** A Python exception text for replies such as `ValueError('Autoscale not enabled')`. */
export function pythonExceptionText(ctx: ControlContext, className: string, message: string): string {
  return `${className}(${ctx.reprs.repr(message)})`;
}
