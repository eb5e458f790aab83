import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import { encodePythonJson } from '../../protocol/python-json';
import type { RedisKeys } from './redis-keys';
import type { RedisLookup } from './redis-router';
import { ackScript, releaseMutexScript, restoreByTagScript, runScript } from './redis-scripts';

/** Settings the unacked store needs. */
export interface RedisUnackedOptions {
  visibilityTimeoutSec: number;
  unackedMutexExpireSec: number;
  unackedRestoreLimit: number | null;
}

/**
 * kombu's Redis QoS state (`unacked` hash, `unacked_index` zset, `unacked_mutex`): settle, restore
 * by tag, and the visibility sweep. Recording on delivery happens in the pop script.
 */
export class RedisUnacked {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly lookup: RedisLookup,
    private readonly options: RedisUnackedOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Forget a delivery for good (kombu `QoS.ack`: ZREM + HDEL, atomically). Acks that arrive in the same
   * turn of the event loop share one script call (ackScript): the same two effects, one command however
   * many tasks finish together. Resolves once Redis confirmed this tag's removal.
   */
  remove(tag: string): Promise<void> {
    let batch = this.removing;
    if (!batch) {
      const tags: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.removing = undefined;
          runScript(this.client, ackScript, [this.keys.unacked, this.keys.unackedIndex], tags).then(() => resolve(), reject);
        });
      });
      batch = { tags, done };
      this.removing = batch;
    }
    batch.tags.push(tag);
    return batch.done;
  }

  private removing: { tags: string[]; done: Promise<void> } | undefined;

  /**
   * Put a delivery back in its queue with `redelivered` flags, keeping its tag (kombu
   * `restore_by_tag`); `leftmost` pushes to the head (consumed last), as `reject(requeue=True)` does.
   * Returns false when the tag was no longer unacked.
   */
  async restoreByTag(tag: string, leftmost: boolean): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.client.hget(this.keys.unacked, tag);
      if (raw === null) {
        await this.remove(tag);
        return false;
      }
      const restored = this.buildRestored(tag, raw);
      if (!restored) {
        // Never drop what we cannot read: leave it in `unacked` for an operator (kombu would raise).
        this.logger.error({ deliveryTag: tag }, 'unacked entry is not [envelope, exchange, routing_key]; left in place');
        return false;
      }
      const queues = await this.lookup(restored.exchange, restored.routingKey);
      if (queues.length === 0) {
        // No queue is bound to its exchange/routing key any more: deleting it here would lose it.
        this.logger.error({ deliveryTag: tag, exchange: restored.exchange, routingKey: restored.routingKey },
          'unacked message has no queue to return to; left in unacked');
        return false;
      }
      const targets = queues.map((q) => this.keys.queueKey(q, this.keys.bucket(restored.priority)));
      const done = await runScript(this.client, restoreByTagScript, [this.keys.unacked, this.keys.unackedIndex, ...targets],
        [tag, raw, restored.payload, leftmost ? '1' : '0']);
      if (done !== -1) return done === 1;
    }
    throw new Error(`unacked entry ${tag} kept changing while being restored`);
  }

  /**
   * The visibility sweep (kombu `QoS.restore_visible`): under the shared mutex, restore every tag
   * delivered more than `visibilityTimeoutSec` ago, except the ones in `held` (this process still
   * owns them and will settle them). Returns how many were restored; 0 when another worker holds the lock.
   */
  async restoreVisible(nowMs: number, held: ReadonlySet<string>): Promise<number> {
    const token = randomUUID().replace(/-/g, '');
    const locked = await this.client.set(this.keys.unackedMutex, token, 'PX', Math.round(this.options.unackedMutexExpireSec * 1000), 'NX');
    if (locked !== 'OK') return 0;
    try {
      const ceil = nowMs / 1000 - this.options.visibilityTimeoutSec;
      const limit = this.options.unackedRestoreLimit;
      const found = limit
        ? await this.client.zrevrangebyscore(this.keys.unackedIndex, ceil, 0, 'WITHSCORES', 'LIMIT', 0, limit)
        : await this.client.zrevrangebyscore(this.keys.unackedIndex, ceil, 0, 'WITHSCORES');
      let restored = 0;
      for (let i = 0; i < found.length; i += 2) {
        const tag = found[i] as string;
        if (held.has(tag)) continue;
        if (await this.restoreByTag(tag, false)) restored++;
      }
      if (restored) this.logger.warn({ restored }, 'restored deliveries past the visibility timeout');
      return restored;
    } finally {
      await runScript(this.client, releaseMutexScript, [this.keys.unackedMutex], [token]).catch((err: unknown) => {
        this.logger.warn({ err: coerceError(err) }, 'could not release the unacked mutex');
      });
    }
  }

  /** The envelope to push back: kombu sets headers.redelivered and properties.delivery_info.redelivered. */
  private buildRestored(tag: string, raw: string): { payload: string; exchange: string; routingKey: string; priority: unknown } | null {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || parsed[0] === null) throw new Error('not [envelope, exchange, routing_key]');
      const envelope = parsed[0] as { headers?: Record<string, unknown>; properties?: Record<string, unknown> };
      if (envelope.headers && typeof envelope.headers === 'object') envelope.headers.redelivered = true;
      const info = envelope.properties?.delivery_info;
      if (info && typeof info === 'object') (info as Record<string, unknown>).redelivered = true;
      return {
        payload: encodePythonJson(envelope),
        exchange: typeof parsed[1] === 'string' ? parsed[1] : '',
        routingKey: typeof parsed[2] === 'string' ? parsed[2] : '',
        priority: envelope.properties?.priority,
      };
    } catch (err) {
      // kombu logs "Could not restore message" and the entry is dropped all the same.
      this.logger.error({ err: coerceError(err), deliveryTag: tag }, 'could not restore message: bad unacked entry');
      return null;
    }
  }
}
