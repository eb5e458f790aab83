import type Redis from 'ioredis';
import { BackendError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import { encodePythonJson } from '../../protocol/python-json';
import type { ExceptionInfo } from '../../protocol/result-meta';
import { DEFAULT_RESULT_EXPIRES_SEC } from '../result-backend-options';
import type { ChordPart, ChordPartOutcome } from './chord-part';

// The broker-neutral chord types live in chord-part.ts; re-exported for existing importers.
export { chordErrorMessage, type ChordPart, type ChordPartOutcome } from './chord-part';

/** Key prefix of group/chord bookkeeping (`BaseKeyValueStoreBackend.group_keyprefix`). */
export const GROUP_KEY_PREFIX = 'celery-taskset-meta-';

/** The chord keys of a group: results zset `.j`, extra count `.t`, header size `.s`, saved header GroupResult. */
export interface ChordKeys {
  results: string;
  extra: string;
  size: string;
  /** `celery-taskset-meta-<id>`: the header GroupResult `apply_chord` saves when the header holds groups. */
  group: string;
}

/** Chord keys for group `groupId` under the backend's (already normalised) key prefix. */
export function buildChordKeys(keyPrefix: string, groupId: string): ChordKeys {
  const base = `${keyPrefix}${GROUP_KEY_PREFIX}${groupId}`;
  return { results: `${base}.j`, extra: `${base}.t`, size: `${base}.s`, group: base };
}

/**
 * Spec §3.7 steps 1-5 and 7 in ONE script (Python runs a MULTI pipeline, then ZRANGE, then DEL;
 * one script gives the same outcome and lets exactly one member see the chord complete):
 * ZADD .j, ZCOUNT, GET .t, GET .s, EXPIRE x3; if .s is missing → 0; if count = size + extra →
 * ZRANGE, GET the saved header GroupResult (or false), DEL the three keys, return them.
 * KEYS = .j .t .s taskset-meta; ARGV = member, score, ttl seconds (0 = none).
 * Returns {0} (no .s), {1, count, total} (not yet), or {2, count, total, savedGroup|false, member...}.
 */
const CHORD_PART_LUA = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local count = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local extra = redis.call('GET', KEYS[2])
local size = redis.call('GET', KEYS[3])
local ttl = tonumber(ARGV[3])
if ttl and ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
if not size then return {0} end
local total = tonumber(size) + (tonumber(extra) or 0)
if count ~= total then return {1, count, total} end
local out = {2, count, total, redis.call('GET', KEYS[4])}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do out[#out + 1] = member end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return out
`;

/**
 * Chord bookkeeping on the Redis result backend, byte-compatible with Python's
 * `RedisBackend.on_chord_part_return` (`result_chord_ordered=True`, the default): Python and celeriac
 * workers can share one chord's header.
 */
export class RedisChordStore {
  private readonly client: Redis;
  private readonly keyPrefix: string;
  private readonly expiresSec: number | null;

  /** `keyPrefix` is the backend's normalised global key prefix; `expiresSec` its result_expires (null = no EXPIRE). */
  constructor(client: Redis, options: { keyPrefix?: string; expiresSec?: number | null } = {}) {
    this.client = client;
    this.keyPrefix = options.keyPrefix ?? '';
    this.expiresSec = options.expiresSec === undefined ? DEFAULT_RESULT_EXPIRES_SEC : options.expiresSec;
  }

  /**
   * Records one finished header member; when it is the last one, returns the results (or the first
   * failed member in `group_index` order, for `ChordError`) and deletes the chord keys. The caller
   * then publishes the body with the results prepended, or fails the body. Throws BackendError
   * CELERIAC_BACKEND_IO on Redis errors and CELERIAC_BACKEND_BAD_CHORD on undecodable records.
   */
  async onChordPartReturn(part: ChordPart): Promise<ChordPartOutcome> {
    const keys = buildChordKeys(this.keyPrefix, part.group);
    const member = encodeChordMember(part);
    const score = part.groupIndex === null ? '+inf' : String(part.groupIndex);
    let reply: unknown;
    try {
      reply = await this.client.eval(CHORD_PART_LUA, 4, keys.results, keys.extra, keys.size, keys.group, member, score, String(this.expiresSec ?? 0));
    } catch (thrown) {
      const err = coerceError(thrown);
      throw new BackendError('CELERIAC_BACKEND_IO', `chord part return for group ${part.group} failed: ${err.message}`, { cause: err });
    }
    const [status, , , savedGroup, ...members] = reply as [number, ...unknown[]];
    if (status !== 2) return { complete: false };
    // As Python: a header saved by apply_chord (it holds groups) is joined for its nested shape.
    if (typeof savedGroup === 'string') return this.joinSavedGroup(savedGroup, part.group);
    return collect(members.map((m) => decodeChordMember(String(m), part.group)));
  }

  /** `GroupResult.restore(gid).join(propagate=True)`: results nested as the saved tuple nests them. */
  private async joinSavedGroup(raw: string, group: string): Promise<ChordPartOutcome> {
    let tuple: unknown;
    try {
      tuple = (JSON.parse(raw) as { result?: unknown }).result;
    } catch (err) {
      throw new BackendError('CELERIAC_BACKEND_BAD_CHORD', `chord ${group} has a saved GroupResult that is not JSON`, { cause: err });
    }
    const ids = leafIds(tuple);
    let metas: Array<string | null>;
    try {
      metas = ids.length > 0 ? await this.client.mget(ids.map((id) => `${this.keyPrefix}celery-task-meta-${id}`)) : [];
    } catch (thrown) {
      const err = coerceError(thrown);
      throw new BackendError('CELERIAC_BACKEND_IO', `joining chord ${group} failed: ${err.message}`, { cause: err });
    }
    const byId = new Map(ids.map((id, i) => [id, metas[i] ? JSON.parse(metas[i] as string) as Record<string, unknown> : null]));
    try {
      return { complete: true, results: joinTuple(tuple, byId, group) as unknown[] };
    } catch (failed) {
      if (!(failed instanceof JoinFailure)) throw failed;
      return { complete: true, error: { taskId: failed.taskId, state: failed.state, exception: failed.exception, reason: `Join error: ${failed.repr}` } };
    }
  }

  /** Saves a header GroupResult as Python's `RedisBackend.apply_chord` → `save_group` does: `{"result": tuple}`. */
  async saveGroup(groupId: string, result: unknown): Promise<void> {
    const key = buildChordKeys(this.keyPrefix, groupId).group;
    const value = encodePythonJson({ result });
    try {
      if (this.expiresSec) await this.client.set(key, value, 'EX', this.expiresSec);
      else await this.client.set(key, value);
    } catch (thrown) {
      const err = coerceError(thrown);
      throw new BackendError('CELERIAC_BACKEND_IO', `saving GroupResult ${groupId} failed: ${err.message}`, { cause: err });
    }
  }

  /** One more result for the chord to wait for, as Python's `RedisBackend.add_to_chord` (`INCR .t`, no expiry set). */
  async addToChord(groupId: string): Promise<void> {
    const key = buildChordKeys(this.keyPrefix, groupId).extra;
    try {
      await this.client.incr(key);
    } catch (thrown) {
      const err = coerceError(thrown);
      throw new BackendError('CELERIAC_BACKEND_IO', `adding to chord ${groupId} failed: ${err.message}`, { cause: err });
    }
  }

  /** Stores the header size (`.s`) as Python's `set_chord_size` does before the last header task is sent. */
  async setChordSize(groupId: string, size: number): Promise<void> {
    const key = buildChordKeys(this.keyPrefix, groupId).size;
    try {
      if (this.expiresSec) await this.client.set(key, String(size), 'EX', this.expiresSec);
      else await this.client.set(key, String(size));
    } catch (thrown) {
      const err = coerceError(thrown);
      throw new BackendError('CELERIAC_BACKEND_IO', `storing chord size for group ${groupId} failed: ${err.message}`, { cause: err });
    }
  }
}

/** The zset member Python writes: `[1, "<id>", "<STATE>", <encoded result>]` in Python JSON spacing. */
export function encodeChordMember(part: ChordPart): string {
  const result = part.state === 'SUCCESS' ? part.result
    : { exc_type: part.exception.excType, exc_message: part.exception.excMessage, exc_module: part.exception.excModule };
  return encodePythonJson([1, part.taskId, part.state, result]);
}

/** A member of a saved header that is not SUCCESS: `join(propagate=True)` raises its exception. */
class JoinFailure extends Error {
  constructor(readonly taskId: string, readonly state: string, readonly exception: ExceptionInfo, readonly repr: string) {
    super(repr);
  }
}

/** The task ids at the leaves of a result tuple. */
function leafIds(tuple: unknown): string[] {
  if (!Array.isArray(tuple)) return [];
  const [head, members] = tuple as [unknown, unknown];
  if (Array.isArray(members)) return members.flatMap(leafIds);
  return Array.isArray(head) && typeof head[0] === 'string' ? [head[0]] : [];
}

function joinTuple(tuple: unknown, metas: Map<string, Record<string, unknown> | null>, group: string): unknown {
  const [head, members] = tuple as [[string, unknown], unknown];
  if (Array.isArray(members)) return members.map((m) => joinTuple(m, metas, group));
  const meta = metas.get(head[0]);
  if (!meta) throw new BackendError('CELERIAC_BACKEND_BAD_CHORD', `chord ${group} completed but member ${head[0]} has no result`);
  if (meta.status === 'SUCCESS') return meta.result;
  const exception = toExceptionInfo(meta.result);
  const repr = `${exception.excType}(${exception.excMessage.map((a) => (typeof a === 'string' ? `'${a}'` : JSON.stringify(a))).join(', ')})`;
  throw new JoinFailure(head[0], String(meta.status), exception, repr);
}

function toExceptionInfo(value: unknown): ExceptionInfo {
  const exc = (value ?? {}) as Record<string, unknown>;
  return {
    excType: typeof exc.exc_type === 'string' ? exc.exc_type : 'Exception',
    excMessage: Array.isArray(exc.exc_message) ? exc.exc_message : [exc.exc_message ?? ''],
    excModule: typeof exc.exc_module === 'string' ? exc.exc_module : 'builtins',
  };
}

interface ChordRecord {
  taskId: string;
  state: string;
  result: unknown;
}

function decodeChordMember(raw: string, group: string): ChordRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new BackendError('CELERIAC_BACKEND_BAD_CHORD', `chord ${group} holds a record that is not JSON`, { cause: err });
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || typeof parsed[1] !== 'string' || typeof parsed[2] !== 'string') {
    throw new BackendError('CELERIAC_BACKEND_BAD_CHORD', `chord ${group} holds a record that is not [1, id, state, result]`);
  }
  return { taskId: parsed[1], state: parsed[2], result: parsed[3] };
}

function collect(records: ChordRecord[]): ChordPartOutcome {
  const failed = records.find((r) => r.state === 'FAILURE' || r.state === 'REVOKED');
  if (failed) {
    const exception = toExceptionInfo(failed.result);
    return { complete: true, error: { taskId: failed.taskId, state: failed.state, exception } };
  }
  return { complete: true, results: records.map((r) => r.result) };
}
