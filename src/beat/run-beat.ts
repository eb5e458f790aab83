import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Signals } from '../app/signals';
import { coerceError } from '../errors/coerce-error';
import type { PublishPayload } from '../app/signals';
import { openBeatBroker, type BeatBrokerSettings } from '../transport/open-beat-broker';
import { safeUrl } from '../transport/safe-url';
import type { BeatEntry } from './beat-entry';
import type { BeatLease, BeatStateStore } from './beat-state-store';
import { buildBeatMessage, type BeatMessage, type BeatSender } from './build-beat-message';
import { BeatScheduler, type MissedRunPolicy } from './scheduler';

/** Settings of `runBeat`. */
export interface RunBeatOptions {
  /** Broker URL: Redis (lease, state and queues all there) or RabbitMQ (see `resultBackendUrl`, `stateFile`). */
  brokerUrl: string;
  /** On RabbitMQ: a Redis result backend (Celery's `result_backend`) holds the lease and run record. */
  resultBackendUrl?: string;
  /** On RabbitMQ without a Redis backend: the local state file (Celery's `beat_schedule_filename`). */
  stateFile?: string;
  /** On RabbitMQ: Celery's queue settings, so the queues runs go to are declared as workers declare them. */
  queueSettings?: BeatBrokerSettings['queueSettings'];
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
  /** Prefix of beat's Redis keys (default `celeriac.beat`), on the broker or on the result backend. */
  keyPrefix?: string;
  /** Celery's `broker_transport_options` (on Redis, sep, priority_steps and global_keyprefix name the queue keys). */
  brokerTransportOptions?: Record<string, unknown>;
  /** Celery's `broker_use_ssl` and `redis_backend_use_ssl` (TLS to a Redis broker, or to the Redis backend holding a RabbitMQ beat's record). */
  brokerUseSsl?: unknown;
  backendUseSsl?: Record<string, unknown>;
  /**
   * The app's signals: `beat_init` once the scheduler is built, before the first tick;
   * `before_task_publish` / `after_task_publish` around each run sent, as Celery's beat sends them
   * through `send_task` (a receiver may change the headers).
   */
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
  /** Receivers of `beat_init` (sent by every beat, leader or standby, as Celery's Service.start) and of the publish signals. */
  signals?: Signals;
}

/**
 * Runs beat until `signal` aborts: connects to the broker, competes for the lease, and while holding
 * it sends due runs. Resolves after releasing the lease and closing the connection; never throws for
 * broker trouble (it logs, backs off and retries). An unsupported broker URL throws at once.
 */
export async function runBeat(options: RunBeatOptions): Promise<void> {
  const leaseMs = options.leaseMs ?? 6000;
  const logger = options.logger.child({ component: 'beat' });
  const broker = openBeatBroker(options.brokerUrl, options.brokerTransportOptions ?? {}, { leaseMs, logger,
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}), brokerUseSsl: options.brokerUseSsl,
    ...(options.backendUseSsl ? { backendUseSsl: options.backendUseSsl } : {}),
    ...(options.resultBackendUrl ? { resultBackendUrl: options.resultBackendUrl } : {}),
    ...(options.stateFile ? { stateFile: options.stateFile } : {}), ...(options.queueSettings ? { queueSettings: options.queueSettings } : {}) });
  logger.info({ broker: safeUrl(options.brokerUrl), entries: options.schedule.length, leaseMs, keyPrefix: options.keyPrefix ?? 'celeriac.beat' }, 'beat starting');
  try {
    await broker.connect().catch((err: unknown) => logger.warn({ err: coerceError(err) }, 'beat cannot reach the broker yet; retrying'));
    await runBeatLoop(options.schedule, {
      lease: broker.lease,
      store: broker.store,
      sender: { origin: `gen${process.pid}@${hostname()}`, replyTo: randomUUID(), defaultQueue: options.defaultQueue ?? 'celery' },
      logger, leaseMs, now: () => Date.now(), signal: options.signal, ...(options.signals ? { signals: options.signals } : {}),
    }, { timezone: options.timezone ?? 'UTC', missedRunPolicy: options.missedRunPolicy ?? 'run-once' });
  } finally {
    await broker.close();
    logger.info('beat stopped');
  }
}

/**
 * The thin loop: standby polls for the lease every leaseMs/3; the holder renews every leaseMs/3,
 * ticks the scheduler and commits each due run (`BeatStateStore.commitRun`: lease check, record, publish).
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
        const delivery = buildBeatMessage(run, parts.sender, fence, new Date(parts.now()));
        const signals = parts.signals;
        if (signals?.has('before_task_publish')) await signals.send('before_task_publish', publishPayload(delivery), logger);
        const outcome = await store.commitRun({ entryName: run.entry.name, runAt: run.runAt, fingerprint: run.entry.fingerprint,
          leaseToken: lease.token, fence, taskId: delivery.taskId, queue: delivery.queue, message: delivery.message, route: delivery.route });
        if (outcome === 'sent' && signals?.has('after_task_publish')) await signals.send('after_task_publish', publishPayload(delivery), logger);
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

/** What the publish signals see of a run: its headers are the message's own, so receivers may change them. */
function publishPayload(d: BeatMessage): PublishPayload {
  return { taskId: d.taskId, taskName: String(d.message.headers.task ?? ''), headers: d.message.headers, properties: d.message.properties,
    exchange: d.route.exchange, routingKey: d.route.routingKey };
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
