import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KombuMessage } from '../../../src/protocol/kombu-message';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import type { TaskMessage } from '../../../src/protocol/task-message';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';

/** The fixture written by interop-tests/python/canvas_capture.py (Python worker output). */
export interface FollowUpFixture {
  consumed: string[];
  followUps: string[];
  held: string[];
  unacked: string[];
  chordZset: [string, number][];
  metas: Record<string, string>;
  /** Saved header GroupResults (`celery-taskset-meta-<id>`, not the .j/.s/.t chord keys). */
  groups: Record<string, string>;
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

/** The TaskMessage the worker would get for a captured wire message (the real protocol decoder). */
export function taskMessageOf(view: WireView | string): TaskMessage {
  const message = typeof view === 'string' ? decodeRedisEnvelope(view).message
    : { body: Buffer.from(JSON.stringify(view.body)), contentType: 'application/json', contentEncoding: 'utf-8', headers: view.headers, properties: view.properties };
  return decodeTaskMessage(message, { accept: ['json'], maxBodyBytes: 1 << 20 });
}

/** Properties minus the transport-added keys (delivery_info, body_encoding, delivery_tag). */
export function producerProperties(p: Record<string, unknown>): Record<string, unknown> {
  const { delivery_info: _i, body_encoding: _b, delivery_tag: _t, ...rest } = p;
  return rest;
}
