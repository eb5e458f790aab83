import type Redis from 'ioredis';
import type { RedisKeys } from './redis-keys';
import { popAndRecordScript, runScript } from './redis-scripts';

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

/** What the pop script refuses before recording (see popAndRecordScript). */
export interface PopLimits {
  /** Largest element accepted, in bytes; 0 = any. */
  maxElementBytes: number;
  /** Queue that refused elements move to; '' = drop them. */
  poisonQueue: string;
}

/** What one pop call returned. */
export interface PopReply {
  /** In the order popped. */
  elements: PoppedElement[];
  /** The call left every key it pops empty: no need to pop again before waiting for a push. */
  drained: boolean;
}

/**
 * One call of the atomic pop-and-record script on `client`: up to `max` messages from `queues` (in
 * round-robin cycle order) at each of `steps`, in kombu's order (step by step, queue by queue).
 */
export async function popAndRecord(client: Redis, keys: RedisKeys, limits: PopLimits, queues: readonly string[],
  steps: readonly number[], max: number): Promise<PopReply> {
  const listKeys = steps.flatMap((s) => queues.map((q) => keys.queueKey(q, s)));
  const { poisonQueue, maxElementBytes } = limits;
  const poisonKey = keys.queueKey(poisonQueue || 'celeriac.poison', 0);
  const reply = (await runScript(client, popAndRecordScript, [keys.unacked, keys.unackedIndex, poisonKey, ...listKeys],
    [String(Date.now() / 1000), max, queues.length, steps.length, maxElementBytes, queues.indexOf(poisonQueue) + 1,
      poisonQueue, ...queues])) as Array<number | string>;
  const elements: PoppedElement[] = [];
  for (let i = 1; i < reply.length; i += 4) {
    const refusal = String(reply[i + 1]);
    elements.push({ queue: queues[Number(reply[i])] as string, raw: String(reply[i + 2]), tag: String(reply[i + 3]),
      refusal: refusal === '' ? null : refusal });
  }
  return { elements, drained: Number(reply[0]) === 1 };
}
