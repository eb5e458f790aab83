import type { RequestScope } from '../../app/request-context';
import type { RetryCall, TaskRequest } from '../../app/task-context';
import type { SerializedError } from './serialize-error';

/** What a thread needs to start: the app module to load (the same one the main thread loaded) and the log level. */
export interface ThreadData {
  /** Absolute path of the app module (`-A`). */
  appPath: string;
  /** pino level for task loggers in the thread. */
  logLevel: string;
}

/** Why a running task's signal was aborted in the thread. */
export type AbortReason = { kind: 'soft'; limitSec: number } | { kind: 'text'; text: string } | { kind: 'other'; error: SerializedError };

/** Main thread → pool thread. */
export type ToThread =
  | { type: 'run'; runId: number; taskName: string; args: unknown[]; request: TaskRequest | null; scope: RequestScope | null }
  | { type: 'abort'; runId: number; reason: AbortReason }
  | { type: 'state-stored'; callId: number; error: SerializedError | null };

/** How a run in a thread ended. */
export type RunEnd =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; error: SerializedError }
  | { kind: 'retry'; options: Omit<RetryCall, 'exc'>; exc: SerializedError | null };

/** Pool thread → main thread. */
export type FromThread =
  | { type: 'ready' }
  | { type: 'load-failed'; error: SerializedError }
  | { type: 'done'; runId: number; end: RunEnd; heapUsedBytes: number }
  | { type: 'update-state'; runId: number; callId: number; state: string; meta: unknown };
