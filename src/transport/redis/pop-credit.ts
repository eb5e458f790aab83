/**
 * How many messages a pop script call may take, from the prefetch bound and what is already out:
 * the pure arithmetic of RedisConsumer's credit. `prefetch` 0 = unlimited; `unsettled` = deliveries
 * handed out and not settled; `reserved` = credit held by pop calls sent and not answered yet.
 */

/** At most this many messages are popped by one script call (BACKLOG_BATCH after a full one). */
export const MAX_BATCH = 64;
/**
 * Cap of a call sent after a pop came back full (a backlog), still bounded by credit: fewer calls per
 * message through a slow network. Not more: 256 measured no better, and a script call blocks Redis
 * for every other client while it runs.
 */
export const BACKLOG_BATCH = 128;

/**
 * Size of the next pop call on the consumer's own connection, 0 = none now. Refill in batches: with
 * deliveries or pops in flight, only once a low-water mark of credit is free, so a saturated worker
 * pops many messages per script call instead of one per settled message.
 */
export function nextPopSize(prefetch: number, unsettled: number, reserved: number, lastFull: boolean): number {
  const cap = lastFull ? BACKLOG_BATCH : MAX_BATCH;
  const credit = prefetch === 0 ? cap : Math.min(cap, prefetch - unsettled - reserved);
  if (credit <= 0 || (unsettled + reserved > 0 && credit < lowWater(prefetch))) return 0;
  return credit;
}

/** Credit worth a script call while others are in flight: a quarter of the prefetch, 1 to MAX_BATCH. */
export function lowWater(prefetch: number): number {
  return prefetch === 0 ? 1 : Math.max(1, Math.min(MAX_BATCH, Math.floor(prefetch / 4)));
}

/**
 * Size of a pop queued behind one of `keys` watchers, 0 = none (a plain watch): an even share of the
 * prefetch over every watched key (at least 1, at most MAX_BATCH), within the credit free now.
 */
export function queuedPopSize(prefetch: number, unsettled: number, reserved: number, keys: number): number {
  if (keys < 1) return 0;
  if (prefetch === 0) return MAX_BATCH;
  const share = Math.max(1, Math.min(MAX_BATCH, Math.floor(prefetch / keys)));
  return Math.max(0, Math.min(share, prefetch - unsettled - reserved));
}
