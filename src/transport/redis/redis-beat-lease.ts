import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { BeatLease, BeatStateStore, CommitOutcome, RunCommit } from '../../beat/beat-state-store';
import type { StoredRun } from '../../beat/scheduler';
import { BackendError } from '../../errors/celeriac-error';
import { encodeRedisEnvelope } from '../../protocol/redis-envelope';
import { buildOutgoing } from './build-outgoing';
import type { RedisKeys } from './redis-keys';

/**
 * Beat's keys on the broker Redis (same database as the queues). With the default prefix:
 * - `celeriac.beat.lease`    string: the holder's random token, PX = lease time. `GET` / `PTTL` it to see who sends.
 * - `celeriac.beat.fence`    integer: INCR on every new acquisition (fencing number; grows monotonically).
 * - `celeriac.beat.last_run` hash: field = entry name, value = JSON
 *   `{"last_run_at": ISO, "last_run_ms": n, "fingerprint": hex, "fence": n, "task_id": uuid}`.
 */
export interface BeatKeys {
  lease: string;
  fence: string;
  lastRun: string;
}

/** Beat's key names under `prefix` (default `celeriac.beat`). */
export function buildBeatKeys(prefix = 'celeriac.beat'): BeatKeys {
  return { lease: `${prefix}.lease`, fence: `${prefix}.fence`, lastRun: `${prefix}.last_run` };
}

// Take the lease when free (new fence), or re-confirm it when already ours (same fence).
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/**
 * Lease check + "not yet recorded" check + record, the start of a beat's commit script: KEYS[1] the
 * lease, KEYS[2] the last-run hash; ARGV token, entry name, run instant (ms), fingerprint, record.
 * Returns -1 (lease lost) or 0 (run already recorded) early; the caller's script goes on from there.
 */
export const RECORD_RUN_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local cur = redis.call('HGET', KEYS[2], ARGV[2])
if cur then
  local ok, d = pcall(cjson.decode, cur)
  if ok and type(d) == 'table' and d.fingerprint == ARGV[4] and tonumber(d.last_run_ms) and tonumber(d.last_run_ms) >= tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[5])`;
// ... then LPUSH, in the same script: a run is published at most once, and never by a beat that
// lost the lease (even one paused for longer than the lease).
const COMMIT = `${RECORD_RUN_LUA}
redis.call('LPUSH', KEYS[3], ARGV[6])
return 1`;

/** Redis lease: SET NX PX with a random token, compare-and-PEXPIRE renewal, INCR fencing number. */
export class RedisBeatLease implements BeatLease {
  /** Random token identifying this holder. */
  readonly token = randomUUID();

  constructor(private readonly client: Redis, private readonly leaseMs: number, private readonly keys: BeatKeys = buildBeatKeys()) {}

  /** Takes or re-confirms the lease; the fencing number, or null when another beat holds it. */
  async acquire(): Promise<number | null> {
    const fence = Number(await this.run('acquire', ACQUIRE, [this.keys.lease, this.keys.fence], [this.token, String(this.leaseMs)]));
    return fence > 0 ? fence : null;
  }

  /** Extends the lease by its full length; false when it is no longer ours. */
  async renew(): Promise<boolean> {
    return Number(await this.run('renew', RENEW, [this.keys.lease], [this.token, String(this.leaseMs)])) === 1;
  }

  /** Deletes the lease if still ours. */
  async release(): Promise<void> {
    await this.run('release', RELEASE, [this.keys.lease], [this.token]);
  }

  private async run(what: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.client.eval(script, keys.length, ...keys, ...args);
    } catch (err) {
      throw new BackendError('CELERIAC_BEAT_LEASE_FAILED', `beat lease ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Beat state in the `last_run` hash; commits run the COMMIT script on the broker Redis, which pushes
 * the envelope the transport's publish would (same outgoing properties, the queue's priority bucket).
 */
export class RedisBeatStateStore implements BeatStateStore {
  constructor(private readonly client: Redis, private readonly queueKeys: Pick<RedisKeys, 'queueKey' | 'bucket'>,
    private readonly keys: BeatKeys = buildBeatKeys(), private readonly deliveryTag?: () => string) {}

  /** Last run per entry; unreadable values are skipped (the entry then starts fresh). */
  async load(): Promise<Map<string, StoredRun>> {
    const raw = await this.wrap('load', () => this.client.hgetall(this.keys.lastRun));
    const out = new Map<string, StoredRun>();
    for (const [name, text] of Object.entries(raw)) {
      try {
        const v = JSON.parse(text) as { last_run_ms?: unknown; fingerprint?: unknown };
        if (typeof v.last_run_ms === 'number' && typeof v.fingerprint === 'string') {
          out.set(name, { lastRunAt: new Date(v.last_run_ms), fingerprint: v.fingerprint });
        }
      } catch {
        // A hand-edited or foreign value: ignore it, as if the entry had never run.
      }
    }
    return out;
  }

  /** Records and publishes a run if we hold the lease and it was not sent yet. */
  async commitRun(c: RunCommit): Promise<CommitOutcome> {
    const state = JSON.stringify({ last_run_at: c.runAt.toISOString(), last_run_ms: c.runAt.getTime(), fingerprint: c.fingerprint, fence: c.fence, task_id: c.taskId });
    const listKey = this.queueKeys.queueKey(c.queue, this.queueKeys.bucket(c.message.properties.priority));
    const envelope = encodeRedisEnvelope(buildOutgoing(c.message, c.route, this.deliveryTag?.()));
    const result = await this.wrap('commit', () => this.client.eval(COMMIT, 3, this.keys.lease, this.keys.lastRun, listKey,
      c.leaseToken, c.entryName, String(c.runAt.getTime()), c.fingerprint, state, envelope));
    const n = Number(result);
    return n === 1 ? 'sent' : n === 0 ? 'already-sent' : 'not-leader';
  }

  private async wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new BackendError('CELERIAC_BEAT_STATE_FAILED', `beat state ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
