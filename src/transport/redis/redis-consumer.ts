import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import type { Consumer } from '../transport';
import type { RedisKeys } from './redis-keys';
import type { RedisKeyWatchers } from './redis-key-watchers';
import { popAndRecordScript, runScript } from './redis-scripts';

/** At most this many messages are popped by one script call. */
const MAX_BATCH = 64;
/** How long stop() waits for a pop in flight before dropping the connection. */
const STOP_GRACE_MS = 2000;

/** One element the pop script returned. */
export interface PoppedElement {
  /** Queue it was popped from. */
  queue: string;
  /** The element as stored (when refused and long, its first and last 64 KiB). */
  raw: string;
  /** Its delivery tag (recorded in `unacked`), or the tag of its poison-queue copy when refused. */
  tag: string;
  /** Why the script refused it (moved it to the poison queue instead of recording it); null when recorded. */
  refusal: string | null;
}

/** What the consumer hands popped elements to (the transport decodes and tracks them). */
export interface RedisConsumerSink {
  /** One popped element; already recorded in `unacked`, or already moved to the poison queue when refused. */
  receive(element: PoppedElement, consumer: RedisConsumer): void;
}

/** What the pop script refuses before recording (see popAndRecordScript). */
export interface PopLimits {
  /** Largest element accepted, in bytes; 0 = any. */
  maxElementBytes: number;
  /** Queue that refused elements move to; '' = drop them. */
  poisonQueue: string;
}

/**
 * One consuming loop on a dedicated connection, in kombu's order: for each priority step, for each
 * queue in round-robin cycle order; the queue that yielded a message moves to the end of the cycle.
 *
 * Pops go through a Lua script that pops and records in `unacked` atomically (no loss window), up to
 * the free prefetch credit per call. When every key is empty the loop waits on RedisKeyWatchers (a
 * connection per key blocked in a no-op BLMOVE), which wake it as soon as any queue × priority key
 * gets a message, as kombu's multi-key BRPOP does.
 */
export class RedisConsumer implements Consumer {
  private readonly given: string[];
  private cycle: string[];
  private prefetch: number;
  private unsettled = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private waitingForCredit = false;

  constructor(
    private readonly client: Redis,
    private readonly watchers: RedisKeyWatchers,
    private readonly keys: RedisKeys,
    private readonly steps: readonly number[],
    private readonly limits: PopLimits,
    private readonly sink: RedisConsumerSink,
    private readonly logger: Logger,
    queues: readonly string[],
    prefetch: number,
    private readonly onStopped: () => Promise<void>,
  ) {
    this.given = [...new Set(queues)];
    this.cycle = [...this.given];
    this.prefetch = prefetch;
  }

  /** Starts the loop. */
  async start(): Promise<void> {
    await this.watchers.setKeys(this.watchedKeys());
    this.loop = this.run();
  }

  /** Start consuming from one more queue. */
  async addQueue(queue: string): Promise<void> {
    if (this.given.includes(queue)) return;
    this.given.push(queue);
    this.cycle.push(queue);
    await this.watchers.setKeys(this.watchedKeys());
    this.signal();
  }

  /** Stop consuming from a queue. */
  async cancelQueue(queue: string): Promise<void> {
    const at = this.given.indexOf(queue);
    if (at < 0) return;
    this.given.splice(at, 1);
    this.cycle = this.cycle.filter((q) => q !== queue);
    await this.watchers.setKeys(this.watchedKeys());
    this.signal();
  }

  /** Current queues, in the order given. */
  queues(): readonly string[] {
    return [...this.given];
  }

  /** Changes the bound on unsettled deliveries (0 = unlimited). */
  setPrefetch(count: number): void {
    this.prefetch = Math.max(0, Math.floor(count));
    this.signal();
  }

  /** Number of deliveries of this consumer not yet settled. */
  get unsettledCount(): number {
    return this.unsettled;
  }

  /** Called by the transport when a delivery is handed out / settled. */
  track(delta: 1 | -1): void {
    this.unsettled += delta;
    // Only a loop waiting for credit cares; an idle loop waits for its watchers, not for acks.
    if (delta < 0 && this.waitingForCredit && this.freeCredit() >= this.lowWater()) this.signal();
  }

  /** Stops fetching and closes the consumer's connection. Idempotent. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.signal();
    }
    // A pop queued for a reconnect that never comes (Redis gone) would hold stop() for ever: after a
    // short wait drop the connection, which fails the queued pop. Nothing is lost: a pop that Redis
    // never ran popped nothing, and one that ran recorded its messages in `unacked`.
    let timer: NodeJS.Timeout | undefined;
    const dropped = new Promise<void>((resolve) => { timer = setTimeout(resolve, STOP_GRACE_MS); timer.unref(); });
    const finished = await Promise.race([this.loop?.then(() => true), dropped.then(() => false)]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn({ graceMs: STOP_GRACE_MS }, 'consumer did not stop in time (broker unreachable?); dropping its connection');
      this.client.disconnect();
      await this.loop;
    }
    await this.watchers.close();
    await this.onStopped();
  }

  private async run(): Promise<void> {
    let failing = false;
    while (!this.stopped) {
      const credit = this.freeCredit();
      // Refill in batches: with deliveries in flight, wait until a low-water mark of credit is free, so
      // a saturated worker pops many messages per script call instead of one per settled message.
      if (credit <= 0 || this.cycle.length === 0 || (this.unsettled > 0 && credit < this.lowWater())) {
        this.waitingForCredit = true;
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.waitingForCredit = false;
        continue;
      }
      try {
        const popped = await this.popBatch(credit);
        if (popped === 0 && !this.stopped) await this.waitIdle();
        failing = false;
      } catch (err) {
        if (this.stopped) break;
        if (!failing) this.logger.error({ err: coerceError(err) }, 'consume loop failed; retrying');
        failing = true;
        await new Promise<void>((resolve) => { this.wake = resolve; setTimeout(resolve, 1000).unref(); });
      }
    }
  }

  private async popBatch(max: number): Promise<number> {
    const snapshot = [...this.cycle];
    const listKeys = this.steps.flatMap((s) => snapshot.map((q) => this.keys.queueKey(q, s)));
    const { poisonQueue, maxElementBytes } = this.limits;
    const poisonKey = this.keys.queueKey(poisonQueue || 'celeriac.poison', 0);
    const reply = (await runScript(this.client, popAndRecordScript, [this.keys.unacked, this.keys.unackedIndex, poisonKey, ...listKeys],
      [String(Date.now() / 1000), max, snapshot.length, this.steps.length, maxElementBytes, snapshot.indexOf(poisonQueue) + 1,
        poisonQueue, ...snapshot])) as Array<number | string>;
    for (let i = 0; i < reply.length; i += 4) {
      const queue = snapshot[Number(reply[i])] as string;
      this.rotate(queue);
      const refusal = String(reply[i + 1]);
      this.sink.receive({ queue, raw: String(reply[i + 2]), tag: String(reply[i + 3]), refusal: refusal === '' ? null : refusal }, this);
    }
    return reply.length / 4;
  }

  /** Messages that may be popped now (at most MAX_BATCH per call). */
  private freeCredit(): number {
    return this.prefetch === 0 ? MAX_BATCH : Math.min(MAX_BATCH, this.prefetch - this.unsettled);
  }

  /** Credit worth a script call while others are in flight: a quarter of the prefetch, 1 to MAX_BATCH. */
  private lowWater(): number {
    return this.prefetch === 0 ? 1 : Math.max(1, Math.min(MAX_BATCH, Math.floor(this.prefetch / 4)));
  }

  /** kombu's round-robin `rotate`: the queue that yielded goes last. */
  private rotate(queue: string): void {
    const at = this.cycle.indexOf(queue);
    if (at < 0) return;
    this.cycle.splice(at, 1);
    this.cycle.push(queue);
  }

  /** Until any watched key may hold a message, or the loop is signalled (stop, credit, queues). */
  private waitIdle(): Promise<void> {
    return Promise.race([this.watchers.next(), new Promise<void>((resolve) => { this.wake = resolve; })]);
  }

  /** Every key this consumer pops from: each queue at each priority step. */
  private watchedKeys(): string[] {
    return this.steps.flatMap((s) => this.given.map((q) => this.keys.queueKey(q, s)));
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
