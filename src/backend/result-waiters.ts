import { BackendError } from '../errors/celeriac-error';
import type { ResultMeta } from '../protocol/result-meta';

/** One pending `waitForResult` call. */
export interface ResultWaiter {
  /** Settles when the task is ready, the wait times out, or the waiter is failed. */
  readonly promise: Promise<ResultMeta>;
  /** Rejects this waiter only (e.g. its subscribe or GET failed). */
  fail(error: Error): void;
}

interface Entry {
  taskId: string;
  resolve(meta: ResultMeta): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Called when a channel gains its first waiter or loses its last one. */
export interface ResultWaitersHooks {
  onFirstWaiter?(channel: string): void;
  onLastWaiterGone?(channel: string): void;
}

/**
 * The pending waiters of a backend, grouped by channel (the result key), each with its own
 * deadline. Shared by the Redis and in-memory backends so both time out and fan out the same way.
 */
export class ResultWaiters {
  private readonly byChannel = new Map<string, Set<Entry>>();

  constructor(private readonly hooks: ResultWaitersHooks = {}) {}

  /** Registers a waiter on `channel`; it rejects with CELERIAC_BACKEND_TIMEOUT after `timeoutMs`. */
  add(channel: string, taskId: string, timeoutMs: number): ResultWaiter {
    let entry!: Entry;
    const promise = new Promise<ResultMeta>((resolve, reject) => {
      entry = { taskId, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
    });
    const timeout = Math.max(0, timeoutMs);
    entry.timer = setTimeout(() => {
      this.remove(channel, entry);
      entry.reject(new BackendError('CELERIAC_BACKEND_TIMEOUT',
        `timed out after ${timeout} ms waiting for the result of task ${taskId}`));
    }, timeout);
    let set = this.byChannel.get(channel);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.byChannel.set(channel, set);
    }
    set.add(entry);
    if (first) this.hooks.onFirstWaiter?.(channel);
    return {
      promise,
      fail: (error) => {
        if (this.remove(channel, entry)) entry.reject(error);
      },
    };
  }

  /** Resolves every waiter on `channel` with `meta`; returns how many were waiting. */
  settle(channel: string, meta: ResultMeta): number {
    const set = this.byChannel.get(channel);
    if (!set) return 0;
    const entries = [...set];
    for (const entry of entries) this.remove(channel, entry);
    for (const entry of entries) entry.resolve(meta);
    return entries.length;
  }

  /** Rejects every waiter (backend closing). */
  rejectAll(error: Error): void {
    for (const [channel, set] of [...this.byChannel]) {
      for (const entry of [...set]) {
        this.remove(channel, entry);
        entry.reject(error);
      }
    }
  }

  /** Channels with at least one waiter. */
  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  /** Whether `channel` has a waiter. */
  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  /** Number of waiters across all channels. */
  get size(): number {
    let n = 0;
    for (const set of this.byChannel.values()) n += set.size;
    return n;
  }

  private remove(channel: string, entry: Entry): boolean {
    const set = this.byChannel.get(channel);
    if (!set?.delete(entry)) return false;
    clearTimeout(entry.timer);
    if (set.size === 0) {
      this.byChannel.delete(channel);
      this.hooks.onLastWaiterGone?.(channel);
    }
    return true;
  }
}
