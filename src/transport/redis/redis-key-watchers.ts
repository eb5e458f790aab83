import type { Writable } from 'node:stream';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import { quitRedisClient } from './connect-redis-client';

/**
 * A pop of a watcher's own key, sent on the watcher's connection right behind its BLMOVE: Redis runs
 * it the moment the BLMOVE returns, with no round trip through the worker. Resolves to true when the
 * key may still hold messages (the consumer must pop on), false when the pop left it empty.
 */
export type QueuedPop = (client: Redis) => Promise<boolean>;

/** How long reclaim()/release() wait for a queued pop after CLIENT UNBLOCK before going on without it. */
const QUEUED_POP_WAIT_MS = 1000;

/** One key watched by its own connection. */
interface Watcher {
  readonly key: string;
  readonly client: Redis;
  /** Server-side client id, for CLIENT UNBLOCK (refreshed on every reconnect). */
  id: number | undefined;
  /** True while a BLMOVE is outstanding on this connection. */
  armed: boolean;
  /** The pop queued behind the outstanding BLMOVE, until its reply was handled. */
  pop: Promise<void> | undefined;
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
 * When the consumer has prefetch credit to spare, a watcher is armed with a pop of its own key queued
 * behind the BLMOVE on the same connection (QueuedPop). Redis runs one connection's commands in the
 * order sent and leaves the rest of a blocked client's input unread until the block ends, so the pop
 * runs as soon as the key gets a message: one round trip from push to delivery, as kombu's BRPOP,
 * and still the atomic pop-and-record. Each queued pop holds its credit until answered. Before the
 * consumer pops the keys itself again (a backlog, a plain wake, queues changed, stop) it calls
 * reclaim(): CLIENT UNBLOCK ends the BLMOVEs, the queued pops run (taking what arrived, within their
 * credit) and their replies are handled, so no two connections pop one key at once and the order
 * within a key holds.
 *
 * A watcher that fired is re-armed on the next idle wait; one still blocked keeps watching its key,
 * so a wake costs one command on one connection. A plain watcher whose BLMOVE timed out (the key
 * stayed empty) re-arms itself without waking the consumer. No wake-up can be lost: a message pushed
 * between the consumer's last pop and the re-arm makes BLMOVE return at once.
 */
export class RedisKeyWatchers {
  private readonly watchers = new Map<string, Watcher>();
  /** What fired since the last next(): nothing, only pops that left their keys empty, or a key that may hold more. */
  private woke: 'no' | 'drained' | 'more' = 'no';
  private waiting: ((more: boolean) => void) | undefined;
  private queued = 0;
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

  /** Number of pops queued behind BLMOVEs and not yet answered. */
  get queuedPops(): number {
    return this.queued;
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
   * Arms every watcher that is not blocked already, in key order, each with the pop `popFor` gives for
   * its key (none: a plain watch). Resolves when a watcher fired since the last call (at once if one
   * did): true when a key may hold a message the consumer must pop, false when every watcher that fired
   * had its queued pop leave its key empty.
   */
  next(popFor: (key: string) => QueuedPop | undefined = () => undefined): Promise<boolean> {
    for (const w of this.watchers.values()) if (!w.armed && !w.retired) this.arm(w, popFor(w.key));
    if (this.woke !== 'no' || this.watchers.size === 0) {
      const more = this.woke !== 'drained';
      this.woke = 'no';
      return Promise.resolve(more);
    }
    return new Promise<boolean>((resolve) => {
      this.waiting = (more) => { this.woke = 'no'; resolve(more); };
    });
  }

  /**
   * Ends every BLMOVE that has a pop queued behind it (CLIENT UNBLOCK) and waits for those pops' replies
   * to be handled, so that only the consumer's own connection pops from here on. A pop not answered
   * within a second (Redis unreachable) is left to finish on its own.
   */
  async reclaim(): Promise<void> {
    const queued = [...this.watchers.values()].filter((w) => w.pop !== undefined);
    if (queued.length === 0) return;
    await Promise.all(queued.map((w) => this.unblock(w)));
    await within(Promise.all(queued.map((w) => w.pop)), QUEUED_POP_WAIT_MS);
    // What those pops reported is in hand: the consumer pops every key next.
    this.woke = 'no';
  }

  /** Unblocks and closes every watcher connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => this.release(w)));
    this.fire(true);
  }

  private async add(key: string): Promise<void> {
    const client = await this.open();
    const w: Watcher = { key, client, id: undefined, armed: false, pop: undefined, retired: false };
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

  private arm(w: Watcher, pop: QueuedPop | undefined): void {
    w.armed = true;
    // The BLMOVE and the pop behind it leave in one write(2): on loopback a write costs more than the
    // bytes in it (ioredis writes each command on its own).
    const stream = pop === undefined ? undefined : (w.client as unknown as { stream?: Writable }).stream;
    stream?.cork();
    // Buffer reply: the element that woke us is not needed, so keep it off the V8 heap.
    const moved = w.client.blmoveBuffer(w.key, w.key, 'RIGHT', 'RIGHT', this.timeoutSec);
    if (pop === undefined) {
      moved.then((reply) => {
        w.armed = false;
        if (reply !== null) this.fire(true);
        // Timed out: the key stayed empty all along. Watch on without waking the consumer.
        else if (!w.retired && !this.closed) this.arm(w, undefined);
      }, (err: unknown) => this.failed(w, err));
      return;
    }
    // Sent in the same tick, so right behind the BLMOVE on this connection (no auto-pipelining here).
    let popped: Promise<boolean>;
    try {
      popped = pop(w.client);
    } finally {
      stream?.uncork();
    }
    moved.catch(() => undefined); // a failed BLMOVE fails the pop behind it too: reported once, below
    this.queued += 1;
    w.pop = popped.then((more) => {
      this.queued -= 1;
      w.pop = undefined;
      w.armed = false;
      this.fire(more);
    }, (err: unknown) => {
      this.queued -= 1;
      w.pop = undefined;
      this.failed(w, err);
    });
  }

  private failed(w: Watcher, err: unknown): void {
    if (w.retired) return;
    this.logger.warn({ err: coerceError(err), key: w.key }, 'queue watcher failed; re-arming in 1 s');
    // Stay "armed" meanwhile so the next idle wait does not hammer a failing connection.
    setTimeout(() => { w.armed = false; this.fire(true); }, 1000).unref();
  }

  private fire(more: boolean): void {
    if (more) this.woke = 'more';
    else if (this.woke === 'no') this.woke = 'drained';
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(this.woke === 'more');
  }

  /** Ends the watcher's BLMOVE, if one is outstanding, with CLIENT UNBLOCK from the command connection. */
  private async unblock(w: Watcher): Promise<void> {
    if (w.armed && w.id !== undefined) await this.control.client('UNBLOCK', w.id).catch(() => undefined);
  }

  /** Ends a blocked BLMOVE, lets a pop queued behind it be answered, then closes the connection. */
  private async release(w: Watcher): Promise<void> {
    w.retired = true;
    await this.unblock(w);
    if (w.pop !== undefined) await within(w.pop, QUEUED_POP_WAIT_MS);
    await this.quit(w);
  }

  private async quit(w: Watcher): Promise<void> {
    w.retired = true;
    await quitRedisClient(w.client);
  }
}

/** Waits for `p`, at most `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); timer.unref(); })]);
  clearTimeout(timer);
}
