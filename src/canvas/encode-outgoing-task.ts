import type { KombuMessage } from '../protocol/kombu-message';
import { encodePythonJson } from '../protocol/python-json';
import type { TaskEmbed } from '../protocol/task-message';
import { pythonRepr } from './python-repr';

/**
 * Everything a protocol v2 task message carries, camelCase. `encodeOutgoingTask` writes it in the
 * exact header/property order of Celery's `as_task_v2` + kombu `Producer.publish`.
 */
export interface OutgoingTask {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Overrides the computed `argsrepr` (Python keeps a list repr when args were not re-merged). */
  argsRepr?: string;
  shadow: string | null;
  /** ISO-8601 with offset, or null. */
  eta: string | null;
  /** ISO-8601 with offset, or null. */
  expires: string | null;
  group: string | null;
  groupIndex: number | null;
  retries: number;
  timeLimitSec: { hard: number | null; soft: number | null };
  rootId: string;
  parentId: string | null;
  /** Producer node name (`gen<pid>@<host>` for clients and for follow-ups a worker sends). */
  origin: string;
  ignoreResult: boolean;
  replacedTaskNesting: number;
  stampedHeaders: string[] | null;
  stamps: Record<string, unknown>;
  /** Custom headers merged after Celery's own (`apply_async(headers=...)`). */
  extraHeaders: Record<string, unknown>;
  embed: TaskEmbed;
  replyTo: string;
  priority: number;
  /** `expiration` property: milliseconds as a string (kombu), when `expires` was given. */
  expirationMs: string | null;
  /** Retries re-send `origin` as a property too (a Python quirk, captured); null = absent. */
  originProperty: string | null;
}

/** Builds the KombuMessage (JSON body `[args, kwargs, embed]`, Python spacing and ASCII escapes). */
export function encodeOutgoingTask(t: OutgoingTask): KombuMessage {
  const headers: Record<string, unknown> = {
    lang: 'py',
    task: t.task,
    id: t.id,
    shadow: t.shadow,
    eta: t.eta,
    expires: t.expires,
    group: t.group,
    group_index: t.groupIndex,
    retries: t.retries,
    timelimit: [t.timeLimitSec.hard, t.timeLimitSec.soft],
    root_id: t.rootId,
    parent_id: t.parentId,
    argsrepr: t.argsRepr ?? pythonRepr(t.args, { asTuple: true }),
    kwargsrepr: pythonRepr(t.kwargs),
    origin: t.origin,
    ignore_result: t.ignoreResult,
    replaced_task_nesting: t.replacedTaskNesting,
    stamped_headers: t.stampedHeaders,
    stamps: t.stamps,
  };
  for (const [key, value] of Object.entries(t.extraHeaders)) headers[key] = value;
  const properties: Record<string, unknown> = { correlation_id: t.id, reply_to: t.replyTo };
  if (t.originProperty !== null) properties.origin = t.originProperty;
  properties.delivery_mode = 2;
  if (t.expirationMs !== null) properties.expiration = t.expirationMs;
  properties.priority = t.priority;
  const embed = { callbacks: t.embed.callbacks, errbacks: t.embed.errbacks, chain: t.embed.chain, chord: t.embed.chord };
  return {
    body: Buffer.from(encodePythonJson([t.args, t.kwargs, embed]), 'utf8'),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    properties,
  };
}

/** Python `datetime.isoformat()` of a UTC instant: microseconds only when non-zero, `+00:00` offset. */
export function isoUtc(d: Date): string {
  const base = d.toISOString(); // 2026-11-21T04:22:06.375Z
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? `${base.slice(0, 19)}+00:00` : `${base.slice(0, 19)}.${String(ms).padStart(3, '0')}000+00:00`;
}
