import type { Clock } from './clock';
import type { RequestTracker, TrackedRequest } from './request-tracker';
import type { FollowUpDeps } from './run-follow-ups';
import type { TimeLimits } from './task-limits';
import type { TaskEventSink } from './worker-state';
import type { RetryDefaults } from './autoretry';
import type { TaskMessage } from '../protocol/task-message';
import type { ThreadDispatch } from './pool/thread-dispatch';

/** Worker-wide policy the execution follows. */
export interface ExecutionPolicy {
  hostname: string;
  acksLate: boolean;
  trackStarted: boolean;
  ignoreResult: boolean;
  now: () => number;
  /** App-wide retry defaults (task options override each); Celery's Task defaults when absent. */
  retryDefaults?: RetryDefaults;
  /** App-wide dead-letter queue (`task_dead_letter_queue`; '' = none); a task's `deadLetterQueue` overrides. */
  deadLetterQueue?: string;
}

/** Everything one execution uses. */
export interface ExecutionDeps extends FollowUpDeps {
  policy: ExecutionPolicy;
  events: TaskEventSink;
  tracker: RequestTracker;
  /** True when the task was revoked: its id (remote control or a peer's `hello`) or one of its stamps (`revoke_by_stamped_headers`). */
  isRevoked(msg: TaskMessage): boolean;
  /** Soft/hard limits for this run. */
  timeLimitsFor(msg: TaskMessage): TimeLimits;
  /** The thread pool, when the worker has one; tasks it `handles` run there. */
  threads?: ThreadDispatch | null;
  clock: Clock;
  /** task_postrun for runs that end with no task event (Ignore, message given back); absent in bare executions. */
  signals?: { postrun(req: TrackedRequest, state: string, retval: unknown): void } | null;
  /**
   * Called once when the handler has returned or thrown, before the outcome is stored and the message
   * settled: the worker frees the concurrency slot there, so the next task runs while this one's
   * result write and ack are in flight (the message stays unacked, within the prefetch bound).
   */
  handlerEnded?: (req: TrackedRequest) => void;
}
