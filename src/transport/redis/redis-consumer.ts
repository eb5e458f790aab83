import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import type { Consumer } from '../transport';
import type { RedisKeys } from './redis-keys';
import type { RedisKeyWatchers } from './redis-key-watchers';
import { popAndRecordScript, runScript } from './redis-scripts';

/** At most this many messages are popped by one script call (BACKLOG_BATCH after a full one). */
const MAX_BATCH = 64;
/**
 * Pop script calls kept in flight at once on the consumer's one connection, credit allowing. With one,
 * every batch paid a full round trip plus the Node work of handing it out, serially: on a slow network
 * the loop was latency-bound with the process mostly idle. With two, the next batch is on the wire
 * while the previous one is decoded and started.
 */
const MAX_PIPELINED_POPS = 2;
/**
 * Cap of a call sent after a pop came back full (a backlog), still bounded by credit: fewer calls per
 * message through a slow network. Not more: 256 measured no better, and a script call blocks Redis
 * for every other client while it runs.
 */
const BACKLOG_BATCH = 128;
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
 *
 * Up to MAX_PIPELINED_POPS calls are in flight, each with its credit reserved when it is sent (so
 * reservations + unsettled never exceed the prefetch bound) and the unused part given back on its reply.
 * Order is kept: Redis runs the commands of one connection one at a time in the order sent, each script
 * atomically, and replies come back in that order, so the batches pop, and reach the sink, as one call
 * after the other would (within a key, and by priority step). One nuance: a call's cycle snapshot is
 * taken when it is sent, before the reply of the call ahead of it rotated the cycle, so the second call
 * starts its round robin where the first one started, not where kombu would have; rotation is still
 * applied per reply, and within a call the script rotates per message, so every queue still gets its turn.
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
  /** Pop calls sent and not yet answered, and the credit they reserved. */
  private readonly inFlight = new Set<Promise<void>>();
  private reserved = 0;
  /** The last answered pop found every key empty: once none is in flight, wait for the watchers. */
  private lastEmpty = false;
  /** The last answered pop came back full: the next may take up to BACKLOG_BATCH. */
  private lastFull = false;
  /** A pop failed since the last retry wait; `failing`: an error was logged and no pop succeeded since. */
  private failed = false;
  private failing = false;

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
    this.kick();
  }

  /** Stop consuming from a queue. */
  async cancelQueue(queue: string): Promise<void> {
    const at = this.given.indexOf(queue);
    if (at < 0) return;
    this.given.splice(at, 1);
    this.cycle = this.cycle.filter((q) => q !== queue);
    await this.watchers.setKeys(this.watchedKeys());
    this.kick();
  }

  /** Current queues, in the order given. */
  queues(): readonly string[] {
    return [...this.given];
  }

  /** Changes the bound on unsettled deliveries (0 = unlimited). */
  setPrefetch(count: number): void {
    this.prefetch = Math.max(0, Math.floor(count));
    this.kick();
  }

  /** Number of deliveries of this consumer not yet settled. */
  get unsettledCount(): number {
    return this.unsettled;
  }

  /** Called by the transport when a delivery is handed out / settled. */
  track(delta: 1 | -1): void {
    this.unsettled += delta;
    // Only a loop waiting for credit cares; an idle loop waits for its watchers, not for acks.
    if (delta < 0 && this.waitingForCredit && this.nextBatch() > 0) this.signal();
  }

  /** Stops fetching and closes the consumer's connection. Idempotent. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.signal();
    }
    // A pop queued for a reconnect that never comes (Redis gone) would hold stop() for ever: after a
    // short wait drop the connection, which fails the queued pops (the loop ends once all have ended).
    // Nothing is lost: a pop that Redis never ran popped nothing, and one that ran recorded its
    // messages in `unacked`.
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
    while (!this.stopped) {
      const max = this.nextBatch();
      if (max > 0) {
        this.issue(max);
      } else if (this.inFlight.size > 0 || this.cycle.length === 0 || (!this.failed && !this.lastEmpty)) {
        // Waiting for a reply, for credit, or for a queue.
        this.waitingForCredit = true;
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.waitingForCredit = false;
      } else if (this.failed) {
        this.failed = false;
        await new Promise<void>((resolve) => { this.wake = resolve; setTimeout(resolve, 1000).unref(); });
      } else {
        // Only with no pop in flight: the last one Redis ran found every key empty, and a watcher armed
        // now sees any message pushed after it (no lost wake-up); a pop still in flight may find one.
        await this.waitIdle();
        this.lastEmpty = false;
      }
    }
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Sends one pop call for up to `max` messages, their credit reserved until its reply. */
  private issue(max: number): void {
    const call: Promise<void> = this.popBatch(max).then(() => {
      this.failing = false;
    }, (err: unknown) => {
      if (this.stopped) return;
      if (!this.failing) this.logger.error({ err: coerceError(err) }, 'consume loop failed; retrying');
      this.failing = true;
      this.failed = true;
      this.lastEmpty = false;
    }).finally(() => {
      this.inFlight.delete(call);
      this.signal();
    });
    this.inFlight.add(call);
  }

  private async popBatch(max: number): Promise<void> {
    const snapshot = [...this.cycle];
    const listKeys = this.steps.flatMap((s) => snapshot.map((q) => this.keys.queueKey(q, s)));
    const { poisonQueue, maxElementBytes } = this.limits;
    const poisonKey = this.keys.queueKey(poisonQueue || 'celeriac.poison', 0);
    let reply: Array<number | string>;
    this.reserved += max;
    try {
      reply = (await runScript(this.client, popAndRecordScript, [this.keys.unacked, this.keys.unackedIndex, poisonKey, ...listKeys],
        [String(Date.now() / 1000), max, snapshot.length, this.steps.length, maxElementBytes, snapshot.indexOf(poisonQueue) + 1,
          poisonQueue, ...snapshot])) as Array<number | string>;
    } finally {
      // Each delivery below takes its credit back through track(1).
      this.reserved -= max;
    }
    // Set in the reply's own turn, so it follows the order in which Redis ran the calls.
    this.lastEmpty = reply.length === 0;
    this.lastFull = reply.length / 4 === max;
    for (let i = 0; i < reply.length; i += 4) {
      const queue = snapshot[Number(reply[i])] as string;
      this.rotate(queue);
      const refusal = String(reply[i + 1]);
      this.sink.receive({ queue, raw: String(reply[i + 2]), tag: String(reply[i + 3]), refusal: refusal === '' ? null : refusal }, this);
    }
  }

  /**
   * Size of the next pop call, 0 = none now: another may be in flight, credit allowing. Refill in
   * batches: with deliveries or pops in flight, only once a low-water mark of credit is free, so a
   * saturated worker pops many messages per script call instead of one per settled message. None
   * while the last pop found nothing (the loop waits for the watchers), after a failure, or stopped.
   */
  private nextBatch(): number {
    if (this.stopped || this.failed || this.lastEmpty || this.cycle.length === 0 || this.inFlight.size >= MAX_PIPELINED_POPS) return 0;
    const credit = this.freeCredit();
    if (credit <= 0 || (this.unsettled + this.reserved > 0 && credit < this.lowWater())) return 0;
    return credit;
  }

  /** Messages that may be popped now, beyond the unsettled and the reserved (MAX_BATCH or BACKLOG_BATCH per call). */
  private freeCredit(): number {
    const cap = this.lastFull ? BACKLOG_BATCH : MAX_BATCH;
    return this.prefetch === 0 ? cap : Math.min(cap, this.prefetch - this.unsettled - this.reserved);
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

  /** Queues or prefetch changed: pop again now, even if the last pop found nothing. */
  private kick(): void {
    this.lastEmpty = false;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
