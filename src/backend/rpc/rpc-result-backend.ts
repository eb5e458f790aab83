import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { BackendError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import { READY_STATES, type ResultMeta } from '../../protocol/result-meta';
import { decodeResultMeta } from '../../protocol/result-meta-codec';
import { encodeRpcResultBody, RPC_REPLY_CONTENT_ENCODING, RPC_REPLY_CONTENT_TYPE } from '../../protocol/rpc-result-body';
import type { ResultBackend, StoreOptions } from '../result-backend';
import { ResultWaiters } from '../result-waiters';
import { DEFAULT_RPC_BUFFER_MAX, RpcReplyBuffer } from './rpc-reply-buffer';
import type { RpcReply, RpcReplyChannel } from './rpc-reply-channel';

/** Celery's E_NO_CHORD_SUPPORT (celery/backends/rpc.py), the NotImplementedError `ensure_chords_allowed` raises. */
export const RPC_NO_CHORD_SUPPORT = 'The "rpc" result backend does not support chords!\n\n'
  + 'Note that a group chained with a task is also upgraded to be a chord,\nas this pattern requires synchronization.\n\n'
  + 'Result backends that supports chords: Redis, Database, Memcached, and more.';

/** AMQP short strings (routing keys) hold at most 255 bytes. */
const MAX_ROUTING_KEY_BYTES = 255;

/** How an RpcResultBackend behaves. */
export interface RpcResultBackendOptions {
  /** This client's reply queue (Celery's `oid`), sent as `reply_to` by its producer. Default: a new uuid4. */
  replyQueue?: string;
  /** `result_expires` in seconds: the reply queue's `x-expires`; null/0 = none. */
  resultExpiresSec: number | null;
  /** `result_persistent`: replies with delivery_mode 2 instead of 1. */
  persistent: boolean;
  /** Task ids whose latest state is kept for a later `get()`. Default 8192, as Celery. */
  bufferMax?: number;
}

/**
 * Celery's `rpc://` result backend (celery/backends/rpc.py): every state is a message to the
 * default exchange, routed to the request's `reply_to` with `correlation_id` = task id, body as
 * `RPCBackend._to_result`. Nothing is stored on the broker side: only the client owning the reply
 * queue sees a result, so `getTaskMeta` answers what this client has received (PENDING for any other
 * id, as in Celery). On a client, replies are pushed by one consumer on the reply queue (declared on
 * first use, as Celery's `binding`) and held per task id for whoever waits later. No chords, no forget.
 */
export class RpcResultBackend implements ResultBackend {
  /** The reply queue name; a producer using this backend must send it as `reply_to`. */
  readonly replyQueue: string;
  readonly chordRefusal = RPC_NO_CHORD_SUPPORT;
  private readonly waiters = new ResultWaiters();
  private readonly buffer: RpcReplyBuffer;
  private consuming: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly channel: RpcReplyChannel, private readonly options: RpcResultBackendOptions, private readonly logger: Logger) {
    this.replyQueue = options.replyQueue ?? randomUUID();
    this.buffer = new RpcReplyBuffer(options.bufferMax ?? DEFAULT_RPC_BUFFER_MAX, (taskId, meta) => {
      this.logger.warn({ taskId, status: meta.status, bufferMax: options.bufferMax ?? DEFAULT_RPC_BUFFER_MAX },
        'rpc reply buffer full: dropped the oldest unclaimed result');
    });
  }

  /** Connects to the broker; throws (CELERIAC_TRANSPORT_*) when it cannot be reached. */
  async connect(): Promise<void> {
    if (this.closing) throw closedError();
    await this.channel.connect();
  }

  /**
   * Sends `meta` to `options.replyTo` (Celery's `store_result`). A request without a usable
   * `reply_to` has nowhere to send to: nothing is sent and false is returned, as Celery returns
   * without publishing. A reply queue that no longer exists is not an error (not mandatory). Throws
   * JsonEncodeError for an unencodable result and BackendError CELERIAC_BACKEND_IO when the broker did
   * not confirm the publish.
   */
  async storeResult(meta: ResultMeta, options: StoreOptions = {}): Promise<boolean> {
    if (this.closing) throw closedError();
    const replyTo = options.replyTo;
    if (!replyTo) return false;
    if (Buffer.byteLength(replyTo) > MAX_ROUTING_KEY_BYTES) {
      this.logger.warn({ taskId: meta.taskId, replyToBytes: Buffer.byteLength(replyTo) }, 'reply_to is too long for a routing key: result not sent');
      return false;
    }
    const body = encodeRpcResultBody(meta, options.maxEncodedBytes !== undefined ? { maxBytes: options.maxEncodedBytes } : {});
    try {
      await this.channel.publishReply(replyTo, Buffer.from(body), {
        correlationId: options.correlationId || meta.taskId,
        contentType: RPC_REPLY_CONTENT_TYPE, contentEncoding: RPC_REPLY_CONTENT_ENCODING,
        deliveryMode: this.options.persistent ? 2 : 1,
      });
    } catch (thrown) {
      if (this.closing) throw closedError();
      const err = coerceError(thrown);
      throw new BackendError('CELERIAC_BACKEND_IO', `rpc reply for task ${meta.taskId} not sent: ${err.message}`, { cause: err });
    }
    return true;
  }

  /** The latest state this client received for `taskId`, or null (PENDING): rpc keeps no lookup by id. */
  async getTaskMeta(taskId: string): Promise<ResultMeta | null> {
    await this.startConsuming();
    return this.buffer.get(taskId) ?? null;
  }

  /** Waits for a ready state on this client's reply queue (pushed, not polled); rejects with CELERIAC_BACKEND_TIMEOUT. */
  async waitForResult(taskId: string, timeoutMs: number): Promise<ResultMeta> {
    await this.startConsuming();
    if (this.closing) throw closedError(); // closed while the consumer was being set up
    const held = this.buffer.get(taskId);
    if (held && READY_STATES.has(held.status)) return held;
    return this.waiters.add(taskId, taskId, timeoutMs).promise;
  }

  /** Celery's rpc backend does not implement forget: drops what this client holds, then throws CELERIAC_BACKEND_UNSUPPORTED. */
  forget(taskId: string): Promise<void> {
    this.buffer.delete(taskId);
    return Promise.reject(new BackendError('CELERIAC_BACKEND_UNSUPPORTED',
      `the rpc:// result backend does not implement forget (task ${taskId}): results are messages, nothing is stored`));
  }

  /**
   * Declares this client's reply queue and starts the push consumer, once (Celery's `on_task_call`
   * declares it before a task is sent, so replies wait in it). Producers call it before publishing.
   */
  startConsuming(): Promise<void> {
    if (this.closing) return Promise.reject(closedError());
    this.consuming ??= this.channel.consumeReplies({ name: this.replyQueue, expiresMs: this.expiresMs() }, (reply) => this.onReply(reply));
    this.consuming.catch(() => { this.consuming = null; });
    return this.consuming;
  }

  /** Before each send: the reply queue exists (and is consumed) before a task names it. */
  onTaskCall(): Promise<void> {
    return this.startConsuming();
  }

  /** Task ids whose latest state is held. */
  get bufferedResults(): number {
    return this.buffer.size;
  }

  /** Rejects pending waits with CELERIAC_BACKEND_CLOSED and closes the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.waiters.rejectAll(closedError());
      await this.channel.close();
    })();
    return this.closing;
  }

  private expiresMs(): number | null {
    const sec = this.options.resultExpiresSec;
    return sec ? Math.trunc(sec * 1000) : null;
  }

  /** One reply (Celery's `on_state_change`): held for its task; a ready state settles that task's waiters. */
  private onReply(reply: RpcReply): void {
    let meta: ResultMeta;
    try {
      if (reply.contentType !== undefined && reply.contentType !== RPC_REPLY_CONTENT_TYPE) {
        throw new BackendError('CELERIAC_BACKEND_BAD_REPLY', `content type ${reply.contentType} is not ${RPC_REPLY_CONTENT_TYPE}`);
      }
      meta = decodeResultMeta(reply.body.toString('utf8'));
    } catch (thrown) {
      this.logger.warn({ err: coerceError(thrown), correlationId: reply.correlationId }, 'rpc reply cannot be decoded: dropped');
      return;
    }
    const held = this.buffer.put(meta);
    if (READY_STATES.has(held.status)) this.waiters.settle(held.taskId, held);
  }
}

function closedError(): BackendError {
  return new BackendError('CELERIAC_BACKEND_CLOSED', 'the result backend is closed');
}
