import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { BackendError } from '../errors/celeriac-error';
import { coerceError } from '../errors/coerce-error';
import { decodeResultMeta } from '../protocol/result-meta-codec';
import { READY_STATES, type ResultMeta } from '../protocol/result-meta';
import { backendIoError, closeRedisBackendClient } from './open-redis-backend-client';
import { ResultWaiters } from './result-waiters';

/** What the subscriber needs from its backend. */
export interface RedisResultSubscriberDeps {
  /** Opens the (single) subscriber connection. */
  open(): Promise<Redis>;
  /** Reads the stored meta for a channel (= result key) with a normal GET. */
  read(channel: string): Promise<ResultMeta | null>;
  logger: Logger;
}

/**
 * Waits for task results over Redis pub/sub, as Celery's `ResultConsumer` does: one shared
 * subscriber connection, one SUBSCRIBE per result key however many callers wait on it, and an
 * UNSUBSCRIBE when the last waiter for a key leaves. Every wait subscribes first and then GETs, so
 * a result stored before the subscription took effect is not missed; after a reconnect every
 * waited key is read again (as `_reconnect_pubsub` does) in case a message was lost meanwhile.
 */
export class RedisResultSubscriber {
  private client: Redis | null = null;
  private opening: Promise<Redis> | null = null;
  private readonly subscriptions = new Map<string, Promise<unknown>>();
  private readonly waiters = new ResultWaiters({ onLastWaiterGone: (channel) => this.unsubscribe(channel) });
  private closed = false;

  constructor(private readonly deps: RedisResultSubscriberDeps) {}

  /** Resolves with the first ready meta on `channel`; rejects with CELERIAC_BACKEND_TIMEOUT. */
  wait(channel: string, taskId: string, timeoutMs: number): Promise<ResultMeta> {
    if (this.closed) return Promise.reject(closedError());
    const waiter = this.waiters.add(channel, taskId, timeoutMs);
    this.prime(channel).catch((thrown: unknown) => waiter.fail(backendIoError(`wait for task ${taskId}`, thrown)));
    return waiter.promise;
  }

  /** Number of channels currently subscribed (for tests and introspection). */
  get subscribedChannels(): number {
    return this.subscriptions.size;
  }

  /** Rejects every waiter with CELERIAC_BACKEND_CLOSED and closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.rejectAll(closedError());
    this.subscriptions.clear();
    const client = this.client ?? (this.opening ? await this.opening.catch(() => null) : null);
    this.client = null;
    if (client) await closeRedisBackendClient(client);
  }

  private async prime(channel: string): Promise<void> {
    const client = await this.connection();
    if (!this.waiters.has(channel)) return; // the waiter left while we were connecting
    let subscribed = this.subscriptions.get(channel);
    if (!subscribed) {
      subscribed = client.subscribe(channel);
      this.subscriptions.set(channel, subscribed);
    }
    await subscribed;
    await this.reread(channel);
  }

  private async reread(channel: string): Promise<void> {
    if (!this.waiters.has(channel)) return;
    const meta = await this.deps.read(channel);
    if (meta && READY_STATES.has(meta.status)) this.waiters.settle(channel, meta);
  }

  private connection(): Promise<Redis> {
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= this.deps.open().then((client) => {
      if (this.closed) {
        void closeRedisBackendClient(client);
        throw closedError();
      }
      this.attach(client);
      this.client = client;
      return client;
    }).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private attach(client: Redis): void {
    client.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    client.on('ready', () => {
      // ioredis re-subscribes by itself on reconnect; messages published while we were away are lost.
      for (const channel of this.waiters.channels()) {
        this.reread(channel).catch((thrown: unknown) => {
          this.deps.logger.warn({ err: coerceError(thrown), channel }, 'cannot re-read result after reconnect');
        });
      }
    });
  }

  private onMessage(channel: string, text: string): void {
    if (!this.waiters.has(channel)) return;
    let meta: ResultMeta;
    try {
      meta = decodeResultMeta(text);
    } catch (thrown) {
      this.deps.logger.warn({ err: coerceError(thrown), channel }, 'ignoring undecodable result message');
      return;
    }
    if (READY_STATES.has(meta.status)) this.waiters.settle(channel, meta);
  }

  private unsubscribe(channel: string): void {
    if (!this.subscriptions.delete(channel) || !this.client || this.closed) return;
    this.client.unsubscribe(channel).catch((thrown: unknown) => {
      this.deps.logger.debug({ err: coerceError(thrown), channel }, 'unsubscribe failed');
    });
  }
}

function closedError(): BackendError {
  return new BackendError('CELERIAC_BACKEND_CLOSED', 'the result backend was closed while waiting for a result');
}
