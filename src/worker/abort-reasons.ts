/**
 * Why a running task's AbortSignal fired, when the worker itself aborted it. The executor discards
 * the outcome of a run aborted for either; the thread pool forwards them to its threads.
 */

/** Abort reason used by `revoke(terminate=True)`. */
export const TERMINATED = 'terminated';
/** Abort reason of a running acks-late task whose message a shutdown gave back to its queue. */
export const RETURNED = 'returned-at-shutdown';
