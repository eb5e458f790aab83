import { randomUUID } from 'node:crypto';
import type { KombuMessage } from '../../src/protocol/kombu-message';

/** Options for a hand-built protocol v2 message, as a Python producer writes it. */
export interface WireTaskOptions {
  id?: string;
  kwargs?: Record<string, unknown>;
  eta?: string | null;
  expires?: string | null;
  retries?: number;
  priority?: number;
  ignoreResult?: boolean;
  headers?: Record<string, unknown>;
}

/** Builds a protocol v2 KombuMessage byte-for-byte in the shape Celery 5 writes (spec §2.2). */
export function wireTask(task: string, args: unknown[] = [], opts: WireTaskOptions = {}): KombuMessage {
  const id = opts.id ?? randomUUID();
  const headers = {
    lang: 'py', task, id, shadow: null, eta: opts.eta ?? null, expires: opts.expires ?? null, group: null, group_index: null,
    retries: opts.retries ?? 0, timelimit: [null, null], root_id: id, parent_id: null, argsrepr: JSON.stringify(args),
    kwargsrepr: JSON.stringify(opts.kwargs ?? {}), origin: 'gen1@test', ignore_result: opts.ignoreResult ?? false,
    replaced_task_nesting: 0, stamped_headers: null, stamps: {}, ...opts.headers,
  };
  const body = [args, opts.kwargs ?? {}, { callbacks: null, errbacks: null, chain: null, chord: null }];
  return {
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    properties: { correlation_id: id, reply_to: randomUUID(), delivery_mode: 2, priority: opts.priority ?? 0 },
  };
}
