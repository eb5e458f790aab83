/**
 * The abort handle of one run (revoke with terminate, time limits, cold or soft shutdown): an
 * AbortController whose AbortSignal is made only when something reads it (a bound task's
 * `signal`, a time limit). Node makes a controller's signal lazily too, but every run asked it
 * whether it was aborted; at thousands of runs a second that was an EventTarget per run, kept
 * alive through the prefetch window, for runs that are almost never aborted.
 */
export class RunAbort {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;

  /** True once abort() was called. */
  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /** The reason abort() was given (undefined while not aborted). */
  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** The run's AbortSignal (already aborted, with the same reason, when abort() came first). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the run; only the first call counts, as for an AbortController. */
  abort(reason?: unknown): void {
    if (this.abortedWith) return;
    // AbortController.abort() with no reason gives an AbortError DOMException: read it back from there.
    this.controller ??= reason === undefined ? new AbortController() : undefined;
    if (this.controller) {
      this.controller.abort(reason);
      this.abortedWith = { reason: this.controller.signal.reason as unknown };
    } else {
      this.abortedWith = { reason };
    }
  }
}
