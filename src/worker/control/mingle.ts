import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import type { Transport } from '../../transport/transport';
import type { LamportClock } from '../events/lamport-clock';
import type { WorkerMonitor } from '../worker-state';
import { ControlClient } from './control-client';
import type { RevokedSet } from './revoked-set';

/**
 * Celery's mingle step (`celery/worker/consumer/mingle.py`): at startup broadcast `hello` with our
 * revoked ids, then merge every neighbour's revoked ids and clock, so a task revoked while this
 * worker was down is still not run. "All alone" (no replies within the timeout) is normal.
 */
export class Mingle implements WorkerMonitor {
  constructor(private readonly options: {
    transport: Transport; hostname: string; revoked: RevokedSet; clock: LamportClock; logger: Logger; timeoutMs?: number;
  }) {}

  /** Sends hello and merges the replies; never throws (a failed sync only logs). */
  async start(): Promise<void> {
    const { transport, hostname, revoked, clock, logger } = this.options;
    try {
      const client = new ControlClient({ transport, clock });
      const replies = await client.call('hello', { arguments: { from_node: hostname, revoked: revoked.toWire() }, timeoutMs: this.options.timeoutMs ?? 1000 });
      let merged = 0;
      const nodes: string[] = [];
      for (const reply of replies) {
        for (const [node, value] of Object.entries(reply)) {
          if (node === hostname || value === null || typeof value !== 'object') continue;
          nodes.push(node);
          const body = value as { revoked?: unknown; clock?: unknown };
          if (typeof body.clock === 'number') clock.adjust(body.clock);
          if (body.revoked && typeof body.revoked === 'object' && !Array.isArray(body.revoked)) merged += revoked.update(body.revoked as Record<string, unknown>);
        }
      }
      logger.info({ neighbours: nodes, revokedMerged: merged }, nodes.length ? 'mingle: synced with neighbours' : 'mingle: all alone');
    } catch (thrown) {
      logger.warn({ err: coerceError(thrown) }, 'mingle: sync failed; starting with our own revoked ids only');
    }
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
