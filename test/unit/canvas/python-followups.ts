import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KombuMessage } from '../../../src/protocol/kombu-message';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import type { TaskMessage } from '../../../src/protocol/task-message';

/** The fixture written by interop-tests/python/canvas_capture.py (Python worker output). */
export interface FollowUpFixture {
  consumed: string[];
  followUps: string[];
  held: string[];
  unacked: string[];
  chordZset: [string, number][];
  metas: Record<string, string>;
}

/** Loads the captured Python worker follow-ups. */
export function loadFollowUps(): FollowUpFixture {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'python-worker-followups.json'), 'utf8')) as FollowUpFixture;
}

/** Decoded view of a captured envelope: headers, properties, body triple. */
export interface WireView {
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  body: [unknown[], Record<string, unknown>, Record<string, unknown>];
}

/** Decodes a raw Redis list element. */
export function viewEnvelope(raw: string): WireView {
  const { message } = decodeRedisEnvelope(raw);
  return viewMessage(message);
}

/** Decodes a KombuMessage we built. */
export function viewMessage(message: KombuMessage): WireView {
  return { headers: message.headers, properties: message.properties, body: JSON.parse(message.body.toString('utf8')) as WireView['body'] };
}

/** A task id in the capture script's numbering (`tid(n)`). */
export function tid(n: number): string {
  const p = String(n).padStart(8, '0');
  return `${p}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

const KNOWN = new Set(['lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id',
  'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps']);

/**
 * A TaskMessage for a v2 wire message (test-side stand-in for the protocol decoder, covering the
 * fields the canvas planners read).
 */
export function taskMessageOf(view: WireView): TaskMessage {
  const h = view.headers;
  const [args, kwargs, embed] = view.body;
  const customHeaders: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) if (!KNOWN.has(k)) customHeaders[k] = v;
  const tl = (h.timelimit as [number | null, number | null] | undefined) ?? [null, null];
  return {
    protocol: 2, id: h.id as string, task: h.task as string, args, kwargs, shadow: (h.shadow as string | null) ?? null,
    eta: h.eta ? new Date(h.eta as string) : null, expires: h.expires ? new Date(h.expires as string) : null,
    group: (h.group as string | null) ?? null, groupIndex: (h.group_index as number | null) ?? null, retries: (h.retries as number) ?? 0,
    timeLimitSec: { hard: tl[0], soft: tl[1] }, rootId: (h.root_id as string | null) ?? null, parentId: (h.parent_id as string | null) ?? null,
    argsRepr: (h.argsrepr as string | null) ?? null, kwargsRepr: (h.kwargsrepr as string | null) ?? null, origin: (h.origin as string | null) ?? null,
    ignoreResult: h.ignore_result === true, replacedTaskNesting: (h.replaced_task_nesting as number) ?? 0,
    stampedHeaders: (h.stamped_headers as string[] | null) ?? null, stamps: (h.stamps as Record<string, unknown>) ?? {}, customHeaders,
    embed: {
      callbacks: (embed.callbacks as TaskMessage['embed']['callbacks']) ?? null, errbacks: (embed.errbacks as TaskMessage['embed']['errbacks']) ?? null,
      chain: (embed.chain as TaskMessage['embed']['chain']) ?? null, chord: (embed.chord as TaskMessage['embed']['chord']) ?? null,
    },
    correlationId: (view.properties.correlation_id as string | null) ?? null, replyTo: (view.properties.reply_to as string | null) ?? null,
    priority: (view.properties.priority as number | null) ?? null,
  };
}

/** Properties minus the transport-added keys (delivery_info, body_encoding, delivery_tag). */
export function producerProperties(p: Record<string, unknown>): Record<string, unknown> {
  const { delivery_info: _i, body_encoding: _b, delivery_tag: _t, ...rest } = p;
  return rest;
}
