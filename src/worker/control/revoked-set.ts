import { pyFloat, type PythonFloat } from '../../protocol/events/python-float';

/** Options of a RevokedSet; defaults are Celery's (`CELERY_WORKER_REVOKES_MAX`, `..._REVOKE_EXPIRES`). */
export interface RevokedSetOptions {
  /** Most ids kept; the oldest go first. Default 50000. */
  maxlen?: number;
  /** Seconds an id is remembered. Default 10800 (3 h). */
  expiresSec?: number;
  /** Monotonic seconds. Default: `process.hrtime` (CLOCK_MONOTONIC, the base Python's `time.monotonic` uses). */
  nowSec?: () => number;
}

/** Default maximum number of remembered revoked ids. */
export const REVOKES_MAX = 50000;
/** Default seconds a revoked id is remembered. */
export const REVOKE_EXPIRES_SEC = 10800;

/**
 * Revoked task ids, bounded and expiring, as Celery's `LimitedSet` (`celery/utils/collections.py`):
 * re-adding an id refreshes it, the oldest ids are dropped past `maxlen`, ids older than
 * `expiresSec` are forgotten. Filled by `revoke` and by `hello` from peers; the worker asks `isRevoked`.
 */
export class RevokedSet {
  /** id → insertion time (monotonic seconds); Map order = insertion order. */
  private readonly entries = new Map<string, number>();
  private readonly maxlen: number;
  private readonly expiresSec: number;
  private readonly nowSec: () => number;
  private lastInsertedSec = Number.NEGATIVE_INFINITY;
  private inTimeOrder = true;

  constructor(options: RevokedSetOptions = {}) {
    this.maxlen = options.maxlen ?? REVOKES_MAX;
    this.expiresSec = options.expiresSec ?? REVOKE_EXPIRES_SEC;
    this.nowSec = options.nowSec ?? (() => Number(process.hrtime.bigint()) / 1e9);
  }

  /** Number of ids held (expired ones may linger until the next purge). */
  get size(): number {
    return this.entries.size;
  }

  /** Remembers `id` (refreshing it if present), at `insertedSec` or now. */
  add(id: string, insertedSec: number = this.nowSec()): void {
    this.entries.delete(id);
    if (insertedSec < this.lastInsertedSec) this.inTimeOrder = false;
    else this.lastInsertedSec = insertedSec;
    this.entries.set(id, insertedSec);
    if (this.entries.size <= this.maxlen) return;
    // Map order is time order unless peer entries arrived out of order; then sort once
    if (!this.inTimeOrder) this.reorder();
    while (this.entries.size > this.maxlen) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** True when `id` was revoked and has not expired. */
  isRevoked(id: string): boolean {
    const inserted = this.entries.get(id);
    if (inserted === undefined) return false;
    if (this.expiresSec > 0 && inserted + this.expiresSec <= this.nowSec()) {
      this.entries.delete(id);
      return false;
    }
    return true;
  }

  /** Ids held, oldest first (as iterating a LimitedSet). */
  ids(): string[] {
    return [...this.entries.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  /**
   * Merges a peer's map (`hello`'s `revoked`): id → insertion time, or `[time, id]` as `LimitedSet._data`
   * is sent. Entries whose time is not a number are skipped (Python raises on them). Returns ids added.
   */
  update(peer: Record<string, unknown>): number {
    let added = 0;
    for (const [id, value] of Object.entries(peer)) {
      const time = Array.isArray(value) ? value[0] : value;
      if (typeof time !== 'number' || !Number.isFinite(time)) continue;
      this.add(id, time);
      added++;
    }
    return added;
  }

  /** Drops ids past `maxlen` (oldest first) and expired ids. */
  purge(): void {
    const now = this.nowSec();
    if (!this.inTimeOrder) this.reorder();
    for (const [id, inserted] of this.entries) {
      const expired = this.expiresSec > 0 && inserted + this.expiresSec <= now;
      if (this.entries.size <= this.maxlen && !expired) break;
      this.entries.delete(id);
    }
  }

  /** Rebuilds the Map in insertion-time order. */
  private reorder(): void {
    const byAge = [...this.entries.entries()].sort((a, b) => a[1] - b[1]);
    this.entries.clear();
    for (const [id, inserted] of byAge) this.entries.set(id, inserted);
    this.inTimeOrder = true;
  }

  /** The set as `LimitedSet._data` goes on the wire in `hello`: `{id: [time (float), id]}`. */
  toWire(): Record<string, [PythonFloat, string]> {
    const out: Record<string, [PythonFloat, string]> = {};
    for (const [id, inserted] of this.entries) out[id] = [pyFloat(inserted), id];
    return out;
  }
}
