import { randomUUID } from 'node:crypto';

/** Parts of a hand-built kombu Redis envelope; anything left out gets what Python's producer writes. */
export interface EnvelopeParts {
  id?: string;
  task?: string | null;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** Raw body bytes/text to base64 instead of the protocol-v2 triple. */
  rawBody?: string | Buffer;
  /** Literal `body` field, not base64-encoded by us (for bad-base64 cases). */
  literalBody?: string;
  contentType?: string;
  contentEncoding?: string;
  queue?: string;
  priority?: number;
}

/**
 * Builds the JSON string a Python producer LPUSHes onto a kombu Redis list (spec §2.2), written here
 * independently of src/protocol so poison and golden cases do not depend on our own encoder.
 */
export function buildKombuEnvelope(parts: EnvelopeParts = {}): { id: string; json: string } {
  const id = parts.id ?? randomUUID();
  const args = parts.args ?? [];
  const kwargs = parts.kwargs ?? {};
  const queue = parts.queue ?? 'celery';
  const body = parts.literalBody ?? Buffer.from(parts.rawBody ?? JSON.stringify([args, kwargs,
    { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');
  const headers: Record<string, unknown> = {
    lang: 'py', task: parts.task ?? 'tapp.add', id, shadow: null, eta: null, expires: null, group: null, group_index: null,
    retries: 0, timelimit: [null, null], root_id: id, parent_id: null, argsrepr: JSON.stringify(args), kwargsrepr: '{}',
    origin: 'gen1@interop', ignore_result: false, replaced_task_nesting: 0, stamped_headers: null, stamps: {},
  };
  if (parts.task === null) delete headers.task;
  const envelope = {
    body,
    'content-encoding': parts.contentEncoding ?? 'utf-8',
    'content-type': parts.contentType ?? 'application/json',
    headers,
    properties: {
      correlation_id: id, reply_to: randomUUID(), delivery_mode: 2, delivery_info: { exchange: '', routing_key: queue },
      priority: parts.priority ?? 0, body_encoding: 'base64', delivery_tag: randomUUID(),
    },
  };
  return { id, json: JSON.stringify(envelope) };
}
