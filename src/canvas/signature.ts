import { ProtocolError } from '../errors/celeriac-error';
import type { SignatureWire } from '../protocol/task-message';
import { isRecord } from '../protocol/read-wire-field';

/**
 * A Celery signature (`celery.canvas.Signature`) as it travels in `embed.callbacks`, `embed.errbacks`,
 * `embed.chain` and `embed.chord`. `options` keeps Celery's option names (`task_id`, `link`,
 * `link_error`, `queue`, `group_id`, ...) because they are re-sent verbatim.
 */
export interface Signature {
  /** Task name (`celery.group`/`celery.chain`/`celery.chord` for canvas primitives). */
  task: string;
  /** Positional arguments the signature already carries (partial args). */
  args: unknown[];
  /** Keyword arguments (for a group/chain: `{tasks: [...]}`; chord: `{header, body, kwargs}`). */
  kwargs: Record<string, unknown>;
  /** Execution options under Celery's names. */
  options: Record<string, unknown>;
  /** null for a plain task, else the canvas type (`group`, `chain`, `chord`, `chunks`, ...). */
  subtaskType: string | null;
  /** True when applying must not prepend the parent's result (`.si()`). */
  immutable: boolean;
  /** `chord_size` when the producer wrote it; undefined when the key was absent. */
  chordSize?: number | null;
}

/**
 * Validates a wire signature (a JSON object as Python's `Signature` dict serialises) and returns the
 * typed view. Throws ProtocolError CELERIAC_PROTOCOL_BAD_SIGNATURE naming the bad field; `where`
 * says which signature it was (e.g. `embed.callbacks[0]`).
 */
export function parseSignature(wire: unknown, where = 'signature'): Signature {
  if (!isRecord(wire)) throw bad(where, 'is not an object');
  const { task, args, kwargs, options, subtask_type: subtaskType, immutable } = wire;
  if (typeof task !== 'string' || task === '') throw bad(`${where}.task`, 'must be a non-empty string');
  if (args !== undefined && args !== null && !Array.isArray(args)) throw bad(`${where}.args`, 'must be an array');
  if (kwargs !== undefined && kwargs !== null && !isRecord(kwargs)) throw bad(`${where}.kwargs`, 'must be an object');
  if (options !== undefined && options !== null && !isRecord(options)) throw bad(`${where}.options`, 'must be an object');
  if (subtaskType !== undefined && subtaskType !== null && typeof subtaskType !== 'string') {
    throw bad(`${where}.subtask_type`, 'must be a string or null');
  }
  if (immutable !== undefined && immutable !== null && typeof immutable !== 'boolean') {
    throw bad(`${where}.immutable`, 'must be a boolean');
  }
  const sig: Signature = {
    task,
    args: (args as unknown[] | null | undefined) ?? [],
    kwargs: (kwargs as Record<string, unknown> | null | undefined) ?? {},
    options: (options as Record<string, unknown> | null | undefined) ?? {},
    subtaskType: (subtaskType as string | null | undefined) ?? null,
    immutable: immutable === true,
  };
  if ('chord_size' in wire) {
    const size = wire.chord_size;
    if (size !== null && (typeof size !== 'number' || !Number.isInteger(size))) throw bad(`${where}.chord_size`, 'must be an integer or null');
    sig.chordSize = size;
  }
  return sig;
}

/** The wire form of a signature, keys in the order Python's `Signature` dict holds them. */
export function encodeSignature(sig: Signature): SignatureWire {
  const wire: SignatureWire = {
    task: sig.task, args: sig.args, kwargs: sig.kwargs, options: sig.options, subtask_type: sig.subtaskType, immutable: sig.immutable,
  };
  if (sig.chordSize !== undefined) wire.chord_size = sig.chordSize;
  return wire;
}

/** Wraps `link`/`link_error` style values (one signature or a list, or null) into a list of wire signatures. */
export function toSignatureList(value: unknown, where: string): SignatureWire[] | null {
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) ? value : [value];
  list.forEach((item, i) => parseSignature(item, `${where}[${i}]`));
  return list as SignatureWire[];
}

function bad(field: string, why: string): ProtocolError {
  return new ProtocolError('CELERIAC_PROTOCOL_BAD_SIGNATURE', `${field} ${why}`);
}

/**
 * A wire signature for `link`/`link_error`/chain use, as Python's `task.s(...)` (or `.si(...)` with
 * `immutable`) serialises it: `{task, args, kwargs, options, subtask_type: null, immutable}`.
 */
export function buildSignatureWire(task: string, init: { args?: unknown[]; kwargs?: Record<string, unknown>; options?: Record<string, unknown>; immutable?: boolean } = {}): SignatureWire {
  return encodeSignature({ task, args: init.args ?? [], kwargs: init.kwargs ?? {}, options: init.options ?? {}, subtaskType: null, immutable: init.immutable ?? false });
}
