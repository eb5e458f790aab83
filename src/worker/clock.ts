/** Time source injected into the worker so ETA and expiry are testable with fake time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock. Timers are unref'd: a pending ETA must not keep a closed worker's process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    // setTimeout caps at 2^31-1 ms; longer waits re-arm.
    const max = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (left: number): void => {
      handle = setTimeout(() => (left > max ? arm(left - max) : fn()), Math.min(left, max));
      handle.unref();
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
