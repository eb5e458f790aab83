import Redis from 'ioredis';
import { CeleriacError } from '../../src/errors/celeriac-error';

/** Bounds for a polling wait. */
export interface WaitOptions {
  /** Give up after this long. Default 30 s. */
  timeoutMs?: number;
  /** First poll interval; doubles up to `maxIntervalMs`. Default 10 ms. */
  initialIntervalMs?: number;
  /** Default 250 ms. */
  maxIntervalMs?: number;
}

/**
 * Polls `check` with exponential backoff until it returns something other than undefined/false,
 * and resolves with that value; rejects naming `what` (and the last value seen) at the deadline.
 */
export async function waitUntil<T>(check: () => Promise<T | undefined | false>, what: string, opts: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let interval = opts.initialIntervalMs ?? 10;
  const maxInterval = opts.maxIntervalMs ?? 250;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new CeleriacError('CELERIAC_TEST_WAIT_TIMEOUT', `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, Math.min(interval, left)));
    interval = Math.min(interval * 2, maxInterval);
  }
}

/** The four kombu list keys of a queue (bare name and the `\x06\x16` priority buckets 3, 6, 9). */
export function queueKeys(queue: string): string[] {
  return [queue, `${queue}\x06\x163`, `${queue}\x06\x166`, `${queue}\x06\x169`];
}

/** A result meta as the Redis backend stores it (`celery-task-meta-<id>`). */
export interface StoredMeta {
  status: string;
  result: unknown;
  traceback: string | null;
  task_id: string;
  [key: string]: unknown;
}

/** ioredis helpers over one private Redis: broker and result DBs. */
export class RedisProbe {
  /** Connection to the broker DB. */
  readonly broker: Redis;
  /** Connection to the result DB. */
  readonly results: Redis;

  constructor(brokerUrl: string, backendUrl: string) {
    this.broker = new Redis(brokerUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.results = new Redis(backendUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  }

  /** Messages waiting in a queue (sum over the four priority keys, as Flower counts). */
  async queueLength(queue: string): Promise<number> {
    const pipeline = this.broker.pipeline();
    for (const key of queueKeys(queue)) pipeline.llen(key);
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
  }

  /** Number of delivered-but-unacked messages (`unacked` hash). */
  unackedCount(): Promise<number> {
    return this.broker.hlen('unacked');
  }

  /** The stored result meta of a task, or undefined while it is pending. */
  async meta(taskId: string): Promise<StoredMeta | undefined> {
    const raw = await this.results.get(`celery-task-meta-${taskId}`);
    return raw === null ? undefined : JSON.parse(raw) as StoredMeta;
  }

  /** Waits until the task has a result in a READY state (SUCCESS/FAILURE/REVOKED). */
  waitForReady(taskId: string, opts?: WaitOptions): Promise<StoredMeta> {
    return waitUntil(async () => {
      const meta = await this.meta(taskId);
      return meta && ['SUCCESS', 'FAILURE', 'REVOKED'].includes(meta.status) ? meta : undefined;
    }, `a ready result for ${taskId}`, opts);
  }

  /** Waits until a queue holds exactly `n` messages. */
  waitForQueueLength(queue: string, n: number, opts?: WaitOptions): Promise<number> {
    return waitUntil(async () => ((await this.queueLength(queue)) === n ? n : undefined), `queue ${queue} to hold ${n}`, opts);
  }

  /** Waits until the `unacked` hash holds at least `n` entries. */
  waitForUnacked(n: number, opts?: WaitOptions): Promise<number> {
    return waitUntil(async () => {
      const count = await this.unackedCount();
      return count >= n ? count : undefined;
    }, `${n} unacked messages`, opts);
  }

  /** Values of many string keys at once (missing → null), chunked to keep replies small. */
  async mget(client: Redis, keys: string[]): Promise<(string | null)[]> {
    const out: (string | null)[] = [];
    for (let i = 0; i < keys.length; i += 1000) out.push(...await client.mget(...keys.slice(i, i + 1000)));
    return out;
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    await Promise.all([this.broker.quit().catch(() => undefined), this.results.quit().catch(() => undefined)]);
  }
}
