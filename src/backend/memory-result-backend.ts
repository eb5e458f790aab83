import { BackendError } from '../errors/celeriac-error';
import { decodeResultMeta, encodeResultMeta } from '../protocol/result-meta-codec';
import { READY_STATES, type ResultMeta } from '../protocol/result-meta';
import type { ResultBackend, StoreOptions } from './result-backend';
import { buildTaskKey, DEFAULT_RESULT_EXPIRES_SEC } from './result-backend-options';
import { ResultWaiters } from './result-waiters';

/** Options of the in-memory backend. */
export interface MemoryResultBackendOptions {
  /** Default expiry in seconds; 0/null = never. Default 86400, as Celery's. */
  resultExpiresSec?: number | null;
  /** Clock in epoch milliseconds, injectable so tests can expire results without sleeping. */
  now?: () => number;
}

interface Stored {
  /** The meta as encoded for Redis, so encode/decode failures surface exactly as with Redis. */
  text: string;
  /** Epoch ms after which the entry is gone, or null for never. */
  expiresAtMs: number | null;
}

/**
 * A ResultBackend in process memory with the Redis backend's semantics: metas stored encoded, a
 * stored SUCCESS never overwritten, every write "published" to waiters, expiry honoured on read.
 * The test double for the worker; not shared between processes.
 */
export class MemoryResultBackend implements ResultBackend {
  private readonly store = new Map<string, Stored>();
  private readonly waiters = new ResultWaiters();
  private readonly expiresSec: number | null;
  private readonly now: () => number;
  private closed = false;

  constructor(options: MemoryResultBackendOptions = {}) {
    const raw = options.resultExpiresSec === undefined ? DEFAULT_RESULT_EXPIRES_SEC : options.resultExpiresSec;
    this.expiresSec = raw === 0 ? null : raw;
    this.now = options.now ?? Date.now;
  }

  /** Nothing to connect to; rejects once closed so misuse shows up in tests. */
  async connect(): Promise<void> {
    this.assertOpen();
  }

  /** Stores and publishes `meta` unless SUCCESS is already stored (then returns false). */
  async storeResult(meta: ResultMeta, options: StoreOptions = {}): Promise<boolean> {
    this.assertOpen();
    const text = encodeResultMeta(meta, options.maxEncodedBytes !== undefined ? { maxBytes: options.maxEncodedBytes } : {});
    const key = buildTaskKey('', meta.taskId);
    const current = this.read(key);
    if (current?.status === 'SUCCESS') return false;
    const expires = options.expiresSec !== undefined ? options.expiresSec : this.expiresSec;
    const ttlSec = Math.trunc(expires ?? 0); // as the Redis backend (and Celery's int expiry)
    this.store.set(key, { text, expiresAtMs: ttlSec > 0 ? this.now() + ttlSec * 1000 : null });
    const published = decodeResultMeta(text);
    if (READY_STATES.has(published.status)) this.waiters.settle(key, published);
    return true;
  }

  /** The stored meta, or null when none is stored or it expired. */
  async getTaskMeta(taskId: string): Promise<ResultMeta | null> {
    this.assertOpen();
    return this.read(buildTaskKey('', taskId));
  }

  /** Resolves on the first ready state, already stored or stored later; rejects on timeout. */
  async waitForResult(taskId: string, timeoutMs: number): Promise<ResultMeta> {
    this.assertOpen();
    const key = buildTaskKey('', taskId);
    const current = this.read(key);
    if (current && READY_STATES.has(current.status)) return current;
    return this.waiters.add(key, taskId, timeoutMs).promise;
  }

  /** Deletes the stored meta. */
  async forget(taskId: string): Promise<void> {
    this.assertOpen();
    this.store.delete(buildTaskKey('', taskId));
  }

  /** Seconds until the stored meta expires (rounded up), null when it never does, undefined when absent. */
  remainingTtlSec(taskId: string): number | null | undefined {
    const key = buildTaskKey('', taskId);
    if (!this.read(key)) return undefined;
    const stored = this.store.get(key);
    return stored?.expiresAtMs == null ? null : Math.ceil((stored.expiresAtMs - this.now()) / 1000);
  }

  /** Number of pending waiters. */
  get pendingWaiters(): number {
    return this.waiters.size;
  }

  /** Rejects pending waits with CELERIAC_BACKEND_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.rejectAll(new BackendError('CELERIAC_BACKEND_CLOSED', 'the result backend was closed while waiting for a result'));
  }

  private read(key: string): ResultMeta | null {
    const stored = this.store.get(key);
    if (!stored) return null;
    if (stored.expiresAtMs !== null && this.now() >= stored.expiresAtMs) {
      this.store.delete(key);
      return null;
    }
    return decodeResultMeta(stored.text);
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendError('CELERIAC_BACKEND_CLOSED', 'the result backend is closed');
  }
}
