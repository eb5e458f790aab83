import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Signals } from '../app/signals';
import { coerceError } from '../errors/coerce-error';
import { createRedisClient, parseRedisUrl } from '../transport/redis/redis-connection';
import { buildRedisKeys } from '../transport/redis/redis-keys';
import { defaultRedisTransportOptions, type RedisTransportOptions } from '../transport/redis/redis-transport-options';
import { safeUrl } from '../transport/safe-url';
import type { BeatEntry } from './beat-entry';
import type { BeatLease, BeatStateStore } from './beat-state-store';
import { buildBeatDelivery, type BeatSender } from './build-beat-message';
import { buildBeatKeys, RedisBeatLease, RedisBeatStateStore } from './redis-beat-lease';
import { BeatScheduler, type MissedRunPolicy } from './scheduler';

/** Settings of `runBeat`. */
export interface RunBeatOptions {
  /** Broker URL (Redis); lease, state and queues all live there. */
  brokerUrl: string;
  /** Validated entries (`loadBeatSchedule` / `readBeatScheduleFile`). */
  schedule: readonly BeatEntry[];
  /** App time zone for crontabs (Celery `timezone`), default UTC. */
  timezone?: string;
  logger: Logger;
  /** Lease length; a standby takes over at most ~4/3 of this after the holder dies. Default 6000 ms. */
  leaseMs?: number;
  missedRunPolicy?: MissedRunPolicy;
  /** Stops the loop; the lease is released so a standby takes over at once. */
  signal: AbortSignal;
  /** Queue for entries without `queue`/`routing_key` (Celery `task_default_queue`). Default `celery`. */
  defaultQueue?: string;
  /** Prefix of beat's Redis keys (default `celeriac.beat`). */
  keyPrefix?: string;
  /** The broker's `broker_transport_options` (sep, priority_steps, global_keyprefix decide queue key names). */
  transportOptions?: Partial<RedisTransportOptions>;
  /** The app's signals: `beat_init` is sent once the scheduler is built, before the first tick. */
  signals?: Signals;
}

/** What the loop needs besides the schedule: injectable so the loop can be driven in tests. */
export interface BeatLoopParts {
  lease: BeatLease;
  store: BeatStateStore;
  sender: BeatSender;
  logger: Logger;
  leaseMs: number;
  now(): number;
  signal: AbortSignal;
  /** Receivers of `beat_init` (sent by every beat, leader or standby, as Celery's Service.start). */
  signals?: Signals;
}

/**
 * Runs beat until `signal` aborts: connects to the broker Redis, competes for the lease, and while
 * holding it sends due runs. Resolves after releasing the lease and closing the connection; never
 * throws for Redis trouble (it logs, backs off and retries).
 */
export async function runBeat(options: RunBeatOptions): Promise<void> {
  const leaseMs = options.leaseMs ?? 6000;
  const masterName = options.transportOptions?.masterName;
  const spec = parseRedisUrl(options.brokerUrl, { clientName: 'celeriac-beat', ...(masterName ? { masterName } : {}) });
  // A command that hangs longer than a third of the lease is treated as failed: the loop must keep its beat.
  const client = createRedisClient({ ...spec, options: { ...spec.options, commandTimeout: Math.max(500, Math.floor(leaseMs / 3)) } });
  client.on('error', () => undefined); // failures surface on the commands; ioredis reconnects by itself
  const keys = buildBeatKeys(options.keyPrefix);
  const queueKeys = buildRedisKeys({ ...defaultRedisTransportOptions, ...options.transportOptions }, spec.db);
  const logger = options.logger.child({ component: 'beat' });
  logger.info({ broker: safeUrl(options.brokerUrl), entries: options.schedule.length, leaseMs, keys }, 'beat starting');
  try {
    await client.connect().catch((err: unknown) => logger.warn({ err: coerceError(err) }, 'beat cannot reach the broker yet; retrying'));
    await runBeatLoop(options.schedule, {
      lease: new RedisBeatLease(client, leaseMs, keys),
      store: new RedisBeatStateStore(client, keys),
      sender: { origin: `gen${process.pid}@${hostname()}`, replyTo: randomUUID(), defaultQueue: options.defaultQueue ?? 'celery',
        queueKey: (queue, priority) => queueKeys.queueKey(queue, queueKeys.bucket(priority)) },
      logger, leaseMs, now: () => Date.now(), signal: options.signal, ...(options.signals ? { signals: options.signals } : {}),
    }, { timezone: options.timezone ?? 'UTC', missedRunPolicy: options.missedRunPolicy ?? 'run-once' });
  } finally {
    client.disconnect();
    logger.info('beat stopped');
  }
}

/**
 * The thin loop: standby polls for the lease every leaseMs/3; the holder renews every leaseMs/3,
 * ticks the scheduler and commits each due run (lease check + record + LPUSH, atomically).
 */
export async function runBeatLoop(entries: readonly BeatEntry[], parts: BeatLoopParts, schedulerOptions: { timezone: string; missedRunPolicy: MissedRunPolicy }): Promise<void> {
  const { lease, store, logger, leaseMs, signal } = parts;
  const scheduler = new BeatScheduler(entries, schedulerOptions);
  const renewEveryMs = Math.max(100, Math.floor(leaseMs / 3));
  let fence: number | null = null;
  let renewAt = 0;
  let failures = 0;
  // Signals.send never rejects: a throwing receiver is logged and beat goes on.
  if (parts.signals?.has('beat_init')) await parts.signals.send('beat_init', { hostname: hostname() }, logger);
  while (!signal.aborted) {
    try {
      if (fence === null) {
        fence = await lease.acquire();
        if (fence === null) {
          await sleep(renewEveryMs, signal);
          continue;
        }
        renewAt = parts.now() + renewEveryMs;
        scheduler.reset(await store.load(), new Date(parts.now()));
        logger.info({ fence, upcoming: Object.fromEntries(scheduler.upcoming()) }, 'beat holds the lease and is sending');
      } else if (parts.now() >= renewAt) {
        if (!(await lease.renew())) {
          logger.warn({ fence }, 'beat lost the lease; standing by');
          fence = null;
          continue;
        }
        renewAt = parts.now() + renewEveryMs;
      }
      const { due, nextWakeAt } = scheduler.tick(new Date(parts.now()));
      for (const run of due) {
        const delivery = buildBeatDelivery(run, parts.sender, fence, new Date(parts.now()));
        const outcome = await store.commitRun({ entryName: run.entry.name, runAt: run.runAt, fingerprint: run.entry.fingerprint,
          leaseToken: lease.token, fence, taskId: delivery.taskId, listKey: delivery.listKey, envelope: delivery.envelope });
        const fields = { entry: run.entry.name, task: run.entry.task, taskId: delivery.taskId, runAt: run.runAt.toISOString(), queue: delivery.queue, fence };
        if (outcome === 'not-leader') {
          logger.warn(fields, 'beat lost the lease before sending; standing by');
          fence = null;
          break;
        }
        logger.info({ ...fields, coalesced: run.coalesced }, outcome === 'sent' ? 'beat sent task' : 'beat run already sent');
      }
      failures = 0;
      if (fence !== null) await sleep(Math.min(nextWakeAt.getTime(), renewAt) - parts.now(), signal);
    } catch (err) {
      failures++;
      // State may be unknown after a failed command: drop back to standby and reload on re-acquire.
      fence = null;
      logger.error({ err: coerceError(err), failures }, 'beat step failed; retrying');
      await sleep(Math.min(renewEveryMs * failures, leaseMs), signal);
    }
  }
  if (fence !== null) {
    await lease.release().catch((err: unknown) => logger.warn({ err: coerceError(err) }, 'beat could not release the lease'));
  }
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
