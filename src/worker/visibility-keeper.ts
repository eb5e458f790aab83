import type { Logger } from 'pino';
import { coerceError } from '../errors/coerce-error';
import type { Delivery } from '../transport/transport';
import type { Clock } from './clock';

/** kombu's Redis `visibility_timeout` default (one hour). */
export const DEFAULT_VISIBILITY_TIMEOUT_SEC = 3600;

/** The `visibility_timeout` in force: `broker_transport_options.visibility_timeout`, else kombu's default. */
export function visibilityTimeoutSecOf(transportOptions: Record<string, unknown>): number {
  const raw = transportOptions.visibility_timeout;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_VISIBILITY_TIMEOUT_SEC;
}

/** What a keeper needs. */
export interface VisibilityKeeperOptions {
  /** The broker's visibility timeout; the keeper refreshes every third of it. */
  visibilityTimeoutSec: number;
  /** Every delivery the worker still holds unsettled (ETA-held, reserved, running). */
  held: () => Iterable<Delivery>;
  clock: Clock;
  log: Logger;
}

/**
 * Keeps held messages invisible to visibility sweeps. kombu's Redis transport records a delivery's
 * time once (`unacked_index` score) and any worker's `restore_visible` redelivers it once that is
 * older than `visibility_timeout`, even while the first worker still holds it (an ETA further away,
 * or a task running longer): the duplicate execution of kombu issue 337. Going beyond kombu, every
 * `visibility_timeout / 3` this refreshes the score of every delivery still held (`Delivery.touch`),
 * so neither our sweep nor a Python worker's redelivers it; a crashed worker stops refreshing, and
 * its messages come back after the timeout as before.
 */
export class VisibilityKeeper {
  private cancelTimer: (() => void) | null = null;
  private running: Promise<number> | null = null;
  private closed = false;

  constructor(private readonly options: VisibilityKeeperOptions) {}

  /** Milliseconds between refreshes (a third of the visibility timeout). */
  get intervalMs(): number {
    return Math.max(1, Math.floor((this.options.visibilityTimeoutSec * 1000) / 3));
  }

  /** Starts refreshing on the interval. Idempotent. */
  start(): void {
    if (this.cancelTimer || this.closed) return;
    this.schedule();
  }

  /** Touches every held delivery once now; resolves with how many were refreshed. Never rejects. */
  refreshNow(): Promise<number> {
    this.running ??= this.refresh().finally(() => { this.running = null; });
    return this.running;
  }

  /** Stops refreshing and waits for a refresh in progress. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.running;
  }

  private schedule(): void {
    this.cancelTimer = this.options.clock.setTimer(() => {
      this.cancelTimer = null;
      void this.refreshNow().then(() => { if (!this.closed) this.schedule(); });
    }, this.intervalMs);
  }

  private async refresh(): Promise<number> {
    const deliveries = [...this.options.held()];
    const results = await Promise.allSettled(deliveries.map((d) => d.touch()));
    let refreshed = 0;
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') refreshed++;
      else this.options.log.warn({ err: coerceError(r.reason), deliveryTag: deliveries[i]?.deliveryTag }, 'cannot refresh a held message; it may be redelivered after the visibility timeout');
    }
    if (refreshed > 0) this.options.log.debug({ refreshed }, 'refreshed held messages against the visibility timeout');
    return refreshed;
  }
}
