/**
 * Python's `time.sleep(seconds)` inside a task: resolves after `seconds`, or rejects with the
 * signal's reason (SoftTimeLimitExceeded, a terminate) as soon as the task is told to stop, which is
 * where Python's sleep is interrupted by the soft time limit's signal.
 */
export function sleepSeconds(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => { clearTimeout(timer); reject(signal.reason); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, seconds * 1000);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
