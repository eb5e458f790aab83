import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import { quitRedisClient } from './connect-redis-client';

/** One key watched by its own connection. */
interface Watcher {
  readonly key: string;
  readonly client: Redis;
  /** Server-side client id, for CLIENT UNBLOCK (refreshed on every reconnect). */
  id: number | undefined;
  /** True while a BLMOVE is outstanding on this connection. */
  armed: boolean;
  /** True once the key is no longer watched (cancelled or closed). */
  retired: boolean;
}

/**
 * Wakes an idle consumer as soon as any of its keys (every queue × every priority step) gets a
 * message, as kombu's multi-key BRPOP does, without popping anything: each key has a connection
 * blocked in `BLMOVE k k RIGHT RIGHT <timeout>`. Moving a list's tail to its own tail changes
 * nothing (same element, same position), so the watch takes no message and reorders nothing; the
 * consumer then pops through its atomic pop-and-record script as before.
 *
 * A watcher that fired (or timed out) is re-armed on the next idle wait; one still blocked keeps
 * watching its key, so a wake costs one command on one connection. No wake-up can be lost: a
 * message pushed between the consumer's empty pop and the re-arm makes BLMOVE return at once.
 */
export class RedisKeyWatchers {
  private readonly watchers = new Map<string, Watcher>();
  private fired = false;
  private waiting: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly open: () => Promise<Redis>,
    private readonly control: Redis,
    private readonly timeoutSec: number,
    private readonly logger: Logger,
  ) {}

  /** Number of connections held (one per watched key). */
  get size(): number {
    return this.watchers.size;
  }

  /** Watch exactly `keys`: opens connections for new keys, releases the ones no longer listed. */
  async setKeys(keys: readonly string[]): Promise<void> {
    const wanted = new Set(keys);
    const gone = [...this.watchers.values()].filter((w) => !wanted.has(w.key));
    for (const w of gone) this.watchers.delete(w.key);
    const added = keys.filter((k) => !this.watchers.has(k));
    await Promise.all([...gone.map((w) => this.release(w)), ...added.map((k) => this.add(k))]);
  }

  /**
   * Resolves when a watched key may have a message: at once if a watcher fired since the last call,
   * otherwise when one does (or its timeout passes). Arms every watcher that is not blocked already.
   */
  next(): Promise<void> {
    for (const w of this.watchers.values()) if (!w.armed && !w.retired) this.arm(w);
    if (this.fired || this.watchers.size === 0) {
      this.fired = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiting = () => { this.fired = false; resolve(); };
    });
  }

  /** Unblocks and closes every watcher connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => this.release(w)));
    this.fire();
  }

  private async add(key: string): Promise<void> {
    const client = await this.open();
    const w: Watcher = { key, client, id: undefined, armed: false, retired: false };
    try {
      w.id = Number(await client.client('ID'));
    } catch (err) {
      client.disconnect();
      throw err;
    }
    // A reconnect gives the connection a new server-side id; CLIENT UNBLOCK needs the current one.
    client.on('ready', () => {
      client.client('ID').then((id) => { w.id = Number(id); }, () => undefined);
    });
    if (this.closed || this.watchers.has(key)) {
      await this.quit(w);
      return;
    }
    this.watchers.set(key, w);
  }

  private arm(w: Watcher): void {
    w.armed = true;
    // Buffer reply: the element that woke us is not needed, so keep it off the V8 heap.
    w.client.blmoveBuffer(w.key, w.key, 'RIGHT', 'RIGHT', this.timeoutSec).then(
      () => {
        w.armed = false;
        this.fire();
      },
      (err: unknown) => {
        if (w.retired) return;
        this.logger.warn({ err: coerceError(err), key: w.key }, 'queue watcher failed; re-arming in 1 s');
        // Stay "armed" meanwhile so the next idle wait does not hammer a failing connection.
        setTimeout(() => { w.armed = false; this.fire(); }, 1000).unref();
      },
    );
  }

  private fire(): void {
    this.fired = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Ends a blocked BLMOVE (CLIENT UNBLOCK from the command connection), then closes the connection. */
  private async release(w: Watcher): Promise<void> {
    w.retired = true;
    if (w.armed && w.id !== undefined) await this.control.client('UNBLOCK', w.id).catch(() => undefined);
    await this.quit(w);
  }

  private async quit(w: Watcher): Promise<void> {
    w.retired = true;
    await quitRedisClient(w.client);
  }
}
