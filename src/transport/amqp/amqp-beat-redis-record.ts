import type Redis from 'ioredis';
import { BackendError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import { RECORD_RUN_LUA, type BeatKeys } from '../redis/redis-beat-lease';
import type { BeatRunRecord, RecordedRun, RunClaim } from './amqp-beat-state-store';

// The same lease check and record as a Redis-broker beat's commit (redis-beat-lease.ts), without the
// LPUSH: the message goes to RabbitMQ after it.
const CLAIM = `${RECORD_RUN_LUA}
return 1`;

/**
 * Beat's run record in the Redis result backend, for a beat on RabbitMQ: `<prefix>.last_run` (hash,
 * as on a Redis broker) and `<prefix>.confirmed` (hash: entry name → task id of the last run the
 * broker confirmed). With `RedisBeatLease` on the same database, several beats can run: one sends.
 */
export class AmqpBeatRedisRecord implements BeatRunRecord {
  constructor(private readonly client: Redis, private readonly keys: BeatKeys) {}

  /** The hash of confirmed task ids. */
  get confirmedKey(): string {
    return this.keys.lastRun.replace(/last_run$/, 'confirmed');
  }

  async load(): Promise<Map<string, RecordedRun>> {
    const [raw, confirmed] = await this.wrap('load', () => Promise.all([this.client.hgetall(this.keys.lastRun), this.client.hgetall(this.confirmedKey)]));
    const out = new Map<string, RecordedRun>();
    for (const [name, text] of Object.entries(raw)) {
      try {
        const v = JSON.parse(text) as { last_run_ms?: unknown; fingerprint?: unknown; task_id?: unknown };
        if (typeof v.last_run_ms !== 'number' || typeof v.fingerprint !== 'string') continue;
        const taskId = typeof v.task_id === 'string' ? v.task_id : undefined;
        out.set(name, { lastRunAt: new Date(v.last_run_ms), fingerprint: v.fingerprint, ...(taskId ? { taskId } : {}), confirmed: confirmed[name] === taskId });
      } catch {
        // A hand-edited or foreign value: ignore it, as if the entry had never run.
      }
    }
    return out;
  }

  async claim(c: RunClaim): Promise<'claimed' | 'already-sent' | 'not-leader'> {
    const state = JSON.stringify({ last_run_at: c.runAt.toISOString(), last_run_ms: c.runAt.getTime(), fingerprint: c.fingerprint, fence: c.fence, task_id: c.taskId });
    const n = Number(await this.wrap('claim', () => this.client.eval(CLAIM, 2, this.keys.lease, this.keys.lastRun,
      c.leaseToken, c.entryName, String(c.runAt.getTime()), c.fingerprint, state)));
    return n === 1 ? 'claimed' : n === 0 ? 'already-sent' : 'not-leader';
  }

  async confirm(entryName: string, taskId: string): Promise<void> {
    await this.wrap('confirm', () => this.client.hset(this.confirmedKey, entryName, taskId));
  }

  private async wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new BackendError('CELERIAC_BEAT_STATE_FAILED', `beat state ${what} failed: ${coerceError(err).message}`, { cause: err });
    }
  }
}
