import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import type { Consumer } from '../transport';
import type { RedisKeys } from './redis-keys';
import type { QueuedPop, RedisKeyWatchers } from './redis-key-watchers';
import { fastestPingMs } from './fastest-ping-ms';
import { popAndRecord, type PopLimits, type PoppedElement } from './pop-and-record';
import { nextPopSize, queuedPopSize } from './pop-credit';
import { QueueCycle } from './queue-cycle';
import { QUEUED_POPS_MIN_RTT_MS } from './redis-transport-options';

export type { PopLimits, PoppedElement } from './pop-and-record';

/** What the consumer hands popped elements to (the transport decodes and tracks them). */
export interface RedisConsumerSink {
  /** One popped element; already recorded in `unacked`, or already moved to the poison queue when refused. */
  receive(element: PoppedElement, consumer: RedisConsumer): void;
}

/**
 * Pop script calls kept in flight at once on the consumer's one connection, credit allowing. With one,
 * every batch paid a full round trip plus the Node work of handing it out, serially: on a slow network
 * the loop was latency-bound with the process mostly idle. With two, the next batch is on the wire
 * while the previous one is decoded and started.
 */
const MAX_PIPELINED_POPS = 2;
/** How long stop() waits for a pop in flight before dropping the connection. */
const STOP_GRACE_MS = 2000;

/**
 * One consuming loop on a dedicated connection, in kombu's order: for each priority step, for each
 * queue in round-robin cycle order; the queue that yielded a message moves to the end of the cycle.
 *
 * Pops go through a Lua script that pops and records in `unacked` atomically (no loss window), up to
 * the free prefetch credit per call. When every key is empty the loop waits on RedisKeyWatchers (a
 * connection per key blocked in a no-op BLMOVE), which wake it as soon as any queue × priority key
 * gets a message, as kombu's multi-key BRPOP does. Credit allowing, each watcher has a pop of its own
 * key queued behind its BLMOVE, so an idle worker gets a message in one round trip; when that pop
 * leaves its key empty the loop stays idle, and otherwise (or on a plain wake) it reclaims every queued
 * pop before popping on its own connection again (see RedisKeyWatchers).
 *
 * Up to MAX_PIPELINED_POPS calls are in flight (one right after an idle wake), each with its credit reserved when it is sent (so
 * reservations + unsettled never exceed the prefetch bound) and the unused part given back on its reply.
 * Order is kept: Redis runs the commands of one connection one at a time in the order sent, each script
 * atomically, and replies come back in that order, so the batches pop, and reach the sink, as one call
 * after the other would (within a key, and by priority step). One nuance: a call's cycle snapshot is
 * taken when it is sent, before the reply of the call ahead of it rotated the cycle, so the second call
 * starts its round robin where the first one started, not where kombu would have; rotation is still
 * applied per reply, and within a call the script rotates per message, so every queue still gets its turn.
 */
export class RedisConsumer implements Consumer {
  /** Each watched key's queue and priority step. */
  private targets = new Map<string, { queue: string; step: number }>();
  private readonly cycle: QueueCycle;
  private prefetch: number;
  private unsettled = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private waitingForCredit = false;
  /** Pop calls sent and not yet answered, and the credit they reserved. */
  private readonly inFlight = new Set<Promise<void>>();
  private reserved = 0;
  /** The last answered pop left every key empty: once none is in flight, wait for the watchers. */
  private lastEmpty = false;
  /** The last answered pop came back full: the next may take up to BACKLOG_BATCH (pop-credit). */
  private lastFull = false;
  /**
   * Woken from idle and no reply since: one pop in flight, not MAX_PIPELINED_POPS. A wake usually
   * means one message; a second pop sent behind the first finds nothing, and writing it delays
   * reading the first one's reply (each write is a syscall on the loop's one thread). The reply
   * tells whether a backlog is there: drained, back to idle; otherwise pipelining resumes.
   */
  private probing = false;
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
    /** Queue pops behind the watchers (see RedisTransportOptions.queuedPops); 'auto' decides at start(). */
    private queuedPops: boolean | 'auto' = 'auto',
  ) {
    this.cycle = new QueueCycle(queues);
    this.prefetch = prefetch;
  }

  /** Starts the loop. */
  async start(): Promise<void> {
    if (this.queuedPops === 'auto') {
      const rttMs = await fastestPingMs(this.client, 10);
      this.queuedPops = rttMs >= QUEUED_POPS_MIN_RTT_MS;
      this.logger.debug({ rttMs, queuedPops: this.queuedPops }, 'idle wake-up mode chosen from the broker round trip');
    }
    await this.watchers.setKeys(this.watchedKeys());
    this.loop = this.run();
  }

  /** Start consuming from one more queue. */
  async addQueue(queue: string): Promise<void> {
    if (!this.cycle.add(queue)) return;
    await this.watchers.setKeys(this.watchedKeys());
    this.kick();
  }

  /** Stop consuming from a queue. */
  async cancelQueue(queue: string): Promise<void> {
    if (!this.cycle.remove(queue)) return;
    await this.watchers.setKeys(this.watchedKeys());
    this.kick();
  }

  /** Current queues, in the order given. */
  queues(): readonly string[] {
    return this.cycle.queues();
  }

  /**
   * Changes the bound on unsettled deliveries (0 = unlimited). Lower: take back the queued pops, which
   * may hold more credit than the new bound. Higher: only a loop waiting for credit cares (an idle one
   * found every key empty; the next re-arm uses the new bound), as when ETA messages raise it.
   */
  setPrefetch(count: number): void {
    const next = Math.max(0, Math.floor(count));
    const lower = next !== 0 && (this.prefetch === 0 || next < this.prefetch);
    this.prefetch = next;
    if (lower) this.kick();
    else if (this.waitingForCredit) this.signal();
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
      if (!this.lastEmpty && this.watchers.queuedPops > 0) {
        // Out of idle: take back the watchers' queued pops before popping here (never two connections
        // popping one key, whose replies may be handled out of order), and their credit with them.
        await this.watchers.reclaim();
      } else if (max > 0) {
        this.issue(max);
      } else if (this.inFlight.size > 0 || this.cycle.size === 0 || (!this.failed && !this.lastEmpty)) {
        // Waiting for a reply, for credit, or for a queue.
        this.waitingForCredit = true;
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.waitingForCredit = false;
      } else if (this.failed) {
        this.failed = false;
        await new Promise<void>((resolve) => { this.wake = resolve; setTimeout(resolve, 1000).unref(); });
      } else {
        // Only with no pop in flight: the last one Redis ran left every key empty, and a watcher armed
        // now sees any message pushed after it (no lost wake-up); a pop still in flight may find one.
        // Armed two event-loop turns later: the result of a delivery just handed out is written first
        // (its round trip waits on that write, not on the re-arm; writes are the dearest part of an idle
        // wake). Whatever changed meanwhile (stop, queues, prefetch) shows in the state checked after.
        await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
        if (this.stopped || !this.lastEmpty || this.inFlight.size > 0) continue;
        // A key may hold messages now (or the loop was signalled): pop (the queued pops taken back first).
        if (await this.waitIdle()) {
          this.lastEmpty = false;
          this.probing = true;
        }
      }
    }
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Sends one pop call for up to `max` messages, their credit reserved until its reply. */
  private issue(max: number): void {
    const call: Promise<void> = this.popBatch(max, this.client, this.cycle.snapshot(), this.steps).then(({ count, drained }) => {
      // Set in the reply's own turn, so it follows the order in which Redis ran the calls.
      this.lastEmpty = drained;
      this.lastFull = count === max;
      this.probing = false;
      this.failing = false;
    }, (err: unknown) => {
      this.probing = false;
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

  /**
   * One pop script call for up to `max` messages from `snapshot` (queues in cycle order) × `steps`,
   * on `client`: the consumer's own connection, or a watcher's (a queued pop). Its credit is reserved
   * from the moment it is sent (synchronously, before the first await) until its reply was handed out.
   */
  private async popBatch(max: number, client: Redis, snapshot: readonly string[], steps: readonly number[]):
  Promise<{ count: number; drained: boolean }> {
    this.reserved += max;
    let popped: Awaited<ReturnType<typeof popAndRecord>>;
    try {
      popped = await popAndRecord(client, this.keys, this.limits, snapshot, steps, max);
    } finally {
      // Each delivery below takes its credit back through track(1).
      this.reserved -= max;
    }
    for (const element of popped.elements) {
      this.cycle.rotate(element.queue);
      this.sink.receive(element, this);
    }
    return { count: popped.elements.length, drained: popped.drained };
  }

  /**
   * Size of the next pop call, 0 = none now: another may be in flight, credit allowing (nextPopSize).
   * None while the last pop found nothing (the loop waits for the watchers), after a failure, or stopped.
   */
  private nextBatch(): number {
    if (this.stopped || this.failed || this.lastEmpty || this.cycle.size === 0) return 0;
    if (this.inFlight.size >= (this.probing ? 1 : MAX_PIPELINED_POPS)) return 0;
    return nextPopSize(this.prefetch, this.unsettled, this.reserved, this.lastFull);
  }

  /**
   * Until a watched key may hold a message (true), a queued pop took what came and left its key empty
   * (false: stay idle, re-arm), or the loop is signalled (true: stop, queues, prefetch changed).
   */
  private waitIdle(): Promise<boolean> {
    return Promise.race([this.watchers.next((key) => this.queuedPop(key)),
      new Promise<boolean>((resolve) => { this.wake = () => resolve(true); })]);
  }

  /**
   * The pop to queue behind the watcher of `key`, or none (a plain watch) when no credit is left
   * (queuedPopSize). Keys come in watch order, priority step 0 first, so scarce credit goes there.
   */
  private queuedPop(key: string): QueuedPop | undefined {
    const target = this.targets.get(key);
    if (target === undefined || this.stopped || this.queuedPops !== true) return undefined;
    const max = queuedPopSize(this.prefetch, this.unsettled, this.reserved, this.targets.size);
    if (max < 1) return undefined;
    return async (client) => !(await this.popBatch(max, client, [target.queue], [target.step])).drained;
  }

  /** Every key this consumer pops from: each queue at each priority step. */
  private watchedKeys(): string[] {
    this.targets = new Map(this.steps.flatMap((step) => this.cycle.queues().map((queue) => [this.keys.queueKey(queue, step), { queue, step }] as const)));
    return [...this.targets.keys()];
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
