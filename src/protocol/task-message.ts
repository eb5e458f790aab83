/**
 * A decoded Celery task message (protocol v1, v2 or hybrid), in camelCase domain terms.
 * Produced by `decodeTaskMessage`; consumed by the worker. Wire names stay in src/protocol.
 */
export interface TaskMessage {
  /** Protocol the message arrived in. */
  protocol: 1 | 2;
  /** Task id (uuid). */
  id: string;
  /** Registered task name the worker dispatches on. */
  task: string;
  /** Positional arguments. */
  args: unknown[];
  /** Keyword arguments. */
  kwargs: Record<string, unknown>;
  /** Display name replacing `task` in logs/events when set. */
  shadow: string | null;
  /** Earliest execution time, or null. */
  eta: Date | null;
  /** After this instant the task must not run, or null. */
  expires: Date | null;
  /** Group id when the task is a group/chord member. */
  group: string | null;
  /** Position inside the group. */
  groupIndex: number | null;
  /** Retry count, 0 on first delivery. */
  retries: number;
  /** Hard and soft time limits in seconds (`timelimit` header). */
  timeLimitSec: { hard: number | null; soft: number | null };
  /** Id of the first task of the workflow. */
  rootId: string | null;
  /** Id of the task that published this one. */
  parentId: string | null;
  /** Python repr of args (opaque, for logs). */
  argsRepr: string | null;
  /** Python repr of kwargs (opaque, for logs). */
  kwargsRepr: string | null;
  /** Producer node name. */
  origin: string | null;
  /** Do not store the result when true. */
  ignoreResult: boolean;
  /** `Task.replace` depth; propagated unchanged. */
  replacedTaskNesting: number;
  /** Names of stamp headers. */
  stampedHeaders: string[] | null;
  /** Stamp values. */
  stamps: Record<string, unknown>;
  /** Header keys Celery does not define (custom headers from `apply_async(headers=...)`). */
  customHeaders: Record<string, unknown>;
  /** Canvas data carried with the message; signatures kept in their wire shape. */
  embed: TaskEmbed;
  /** `correlation_id` property. */
  correlationId: string | null;
  /** `reply_to` property. */
  replyTo: string | null;
  /** Message priority (0..255 as sent). */
  priority: number | null;
  /** Every message property as sent (`app_id`, custom ones), wire names kept: Celery's `request.properties`. */
  properties: Record<string, unknown>;
}

/** Wire-shaped Celery signature (`{task, args, kwargs, options, subtask_type, immutable}`). */
export type SignatureWire = Record<string, unknown>;

/** The third element of a v2 body. */
export interface TaskEmbed {
  callbacks: SignatureWire[] | null;
  errbacks: SignatureWire[] | null;
  /** Remaining chain steps in reverse execution order (next step last). */
  chain: SignatureWire[] | null;
  chord: SignatureWire | null;
}
