import type { Settings } from '../config/settings-schema';

/** One request as `inspect active/reserved/scheduled` report it (camelCase; control encodes wire names). */
export interface RequestInfo {
  id: string;
  /** Task name (shadow name when set). */
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Python repr of args/kwargs as sent, when the producer gave one. */
  argsRepr: string | null;
  kwargsRepr: string | null;
  /** Worker node name. */
  hostname: string;
  /** When execution started (epoch seconds), null if not started. */
  timeStartSec: number | null;
  /** True once the message was acked. */
  acknowledged: boolean;
  deliveryInfo: { exchange: string; routingKey: string; priority: number | null; redelivered: boolean };
  /** ETA, for scheduled requests. */
  eta: Date | null;
  /** Process id running it. */
  workerPid: number;
  /** Stamp names and values the message carried (`revoke_by_stamped_headers` matches running tasks on them). */
  stampedHeaders: string[] | null;
  stamps: Record<string, unknown>;
}

/** A registered task's attributes, as `inspect registered <attr>...` lists them (null = not set). */
export interface TaskInfo {
  name: string;
  queue: string | null;
  rateLimit: string | null;
  timeLimitSec: number | null;
  softTimeLimitSec: number | null;
  acksLate: boolean;
  ignoreResult: boolean;
  trackStarted: boolean;
  maxRetries: number | null;
  defaultRetryDelaySec: number;
  rejectOnWorkerLost: boolean;
}

/** Read side of a running worker, for `inspect`, events, metrics and health. */
export interface WorkerInspector {
  /** Node name, e.g. `ts1@host`. */
  readonly hostname: string;
  readonly settings: Settings;
  /** Epoch ms when the worker started. */
  readonly startedAtMs: number;
  /** Requests executing now. */
  activeRequests(): RequestInfo[];
  /** Requests received and waiting for a free slot. */
  reservedRequests(): RequestInfo[];
  /** Requests held until their ETA. */
  scheduledRequests(): RequestInfo[];
  /** Tasks run per name since start (`stats.total`). */
  totals(): Record<string, number>;
  /** Registered task names, sorted. */
  registeredTasks(): string[];
  /** A registered task's effective attributes (its options over the app's settings), or null when unknown. */
  taskInfo(name: string): TaskInfo | null;
  /** Queues consumed now. */
  activeQueues(): string[];
  /** Current prefetch bound (0 = unlimited). */
  prefetchCount(): number;
  /** Current concurrency. */
  concurrency(): number;
  /** True while consuming (not shutting down). */
  isConsuming(): boolean;
}

/** Write side, for remote control commands. */
export interface WorkerController {
  /** Remember ids as revoked; with `terminate`, abort running ones (their AbortSignal). Returns ids that were running. */
  revoke(ids: readonly string[], options: { terminate: boolean; signal?: string }): string[];
  /** Ids revoked and still remembered. */
  revokedIds(): string[];
  /** Abort running requests with these ids without remembering the ids as revoked; returns the ids aborted. */
  terminateRequests(ids: readonly string[], options: { signal?: string }): string[];
  /** Start consuming another queue. */
  addQueue(queue: string): Promise<void>;
  /** Stop consuming a queue. */
  cancelQueue(queue: string): Promise<void>;
  /** Change concurrency by `delta` (pool_grow / pool_shrink); returns the new value. */
  resizePool(delta: number): number;
  /** Warm shutdown, as SIGTERM. */
  shutdown(): void;
}

/** Task lifecycle event names, as Celery's `task-*` events. */
export type TaskEventType =
  | 'task-received' | 'task-started' | 'task-succeeded' | 'task-failed' | 'task-retried' | 'task-rejected' | 'task-revoked';

/** Receives task lifecycle events from the worker (events dispatcher, metrics). Must not throw or block. */
export interface TaskEventSink {
  taskEvent(type: TaskEventType, fields: TaskEventFields): void;
}

/** Fields of a task event, camelCase; the dispatcher maps them to Celery's wire names. */
export interface TaskEventFields {
  uuid: string;
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  argsRepr?: string | null;
  kwargsRepr?: string | null;
  retries?: number;
  eta?: Date | null;
  expires?: Date | null;
  rootId?: string | null;
  parentId?: string | null;
  queue?: string;
  /** Return value (succeeded). */
  result?: unknown;
  /** Seconds the task ran (succeeded/failed). */
  runtimeSec?: number;
  /** The error (failed/retried/rejected). */
  error?: unknown;
  /** revoked: terminated / expired flags and signal. */
  terminated?: boolean;
  expired?: boolean;
  signum?: string | null;
  /** rejected: whether the message went back to its queue. */
  requeue?: boolean;
}

/** A part that runs alongside the worker (events, remote control, metrics endpoint). */
export interface WorkerMonitor {
  /** Started after the broker connection, before consuming begins. */
  start(): Promise<void>;
  /** Closed after running tasks finished, before connections close. Idempotent. */
  close(): Promise<void>;
}
