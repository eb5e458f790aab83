import type Redis from 'ioredis';
import { ReplyError } from 'ioredis';
import type { Logger } from 'pino';
import { BackendError } from '../errors/celeriac-error';
import { coerceError } from '../errors/coerce-error';
import { decodeResultMeta, encodeResultMeta } from '../protocol/result-meta-codec';
import type { ResultMeta } from '../protocol/result-meta';
import { parseRedisUrl, type RedisConnectionSpec } from '../transport/redis/redis-connection';
import { safeUrl } from '../transport/safe-url';
import { backendIoError, closeRedisBackendClient, openRedisBackendClient } from './open-redis-backend-client';
import type { ResultBackend, StoreOptions } from './result-backend';
import { RedisChordStore, type ChordPart, type ChordPartOutcome } from './chord/redis-chord-store';
import { buildTaskKey, parseResultBackendOptions, type ResultBackendOptions } from './result-backend-options';
import { RedisResultSubscriber } from './redis-result-subscriber';
import { ResultWriteBatch, WriteFailure, type BatchedWrite, type WriteOutcome } from './result-write-batch';
import { STORE_RESULT_LUA, STORE_RESULTS_LUA } from './store-result-script';

/** ioredis client with the store script registered as a command. */
type ScriptedRedis = Redis & {
  celeriacStoreResult(key: string, encoded: string, ttlSec: number): Promise<number>;
  /** STORE_RESULTS_LUA: numkeys, keys, then ttl + encoded per key. */
  celeriacStoreResults(...args: Array<string | number>): Promise<number[]>;
};

/** Metas up to this size share a batched script call; bigger ones go alone (a refusal then names only them). */
const BATCH_MAX_BYTES = 64 * 1024;

/**
 * Celery's Redis result backend (`celery/backends/redis.py`): metas under
 * `[prefix]celery-task-meta-<id>`, every write published on the channel of the same name, a stored
 * SUCCESS never overwritten (checked atomically in Lua, see STORE_RESULT_LUA), and waits served by
 * one shared pub/sub connection.
 */
export class RedisResultBackend implements ResultBackend {
  private client: ScriptedRedis | null = null;
  private connecting: Promise<ScriptedRedis> | null = null;
  private closing: Promise<void> | null = null;
  private readonly subscriber: RedisResultSubscriber;
  private readonly shownUrl: string;
  private readonly batch = new ResultWriteBatch((writes) => this.flushWrites(writes));

  constructor(
    private readonly spec: RedisConnectionSpec,
    url: string,
    /** Normalised options (expiry, key prefix). */
    readonly options: ResultBackendOptions,
    private readonly logger: Logger,
  ) {
    this.shownUrl = safeUrl(url);
    this.subscriber = new RedisResultSubscriber({
      open: () => openRedisBackendClient(this.spec, this.shownUrl, 'subscriber', this.logger),
      read: async (channel) => this.readKey(channel),
      logger: this.logger,
    });
  }

  /** The key (and channel) holding a task's meta, global key prefix included. */
  keyFor(taskId: string): string {
    return buildTaskKey(this.options.keyPrefix, taskId);
  }

  /** Connects the command connection; throws BackendError CELERIAC_BACKEND_CONNECT on failure. */
  async connect(): Promise<void> {
    await this.connection();
  }

  /**
   * Stores and publishes `meta` atomically unless SUCCESS is already stored (then returns false).
   * Throws JsonEncodeError when the meta cannot be encoded (or exceeds `maxEncodedBytes`),
   * BackendError `CELERIAC_BACKEND_REFUSED` when the server refuses this write for good (e.g. above
   * its `proto-max-bulk-len`), and `CELERIAC_BACKEND_IO`/`_CONNECT` for failures worth retrying.
   */
  storeResult(meta: ResultMeta, options: StoreOptions = {}): Promise<boolean> {
    let encoded: string;
    try {
      // Encoding errors propagate as they are: the worker stores kombu's EncodeError instead.
      encoded = encodeResultMeta(meta, options.maxEncodedBytes !== undefined ? { maxBytes: options.maxEncodedBytes } : {});
    } catch (thrown) {
      return Promise.reject(thrown);
    }
    const expires = options.expiresSec !== undefined ? options.expiresSec : this.options.resultExpiresSec;
    // Whole seconds, as Celery's prepare_expires(type=int) truncates; below 1 s means no expiry there too.
    const write: BatchedWrite = { key: this.keyFor(meta.taskId), encoded, ttlSec: Math.trunc(expires ?? 0) };
    // Connected, and small (the common case): straight into the turn's batch, one reaction and no async frame per result.
    if (this.client && !this.closing && encoded.length <= BATCH_MAX_BYTES) {
      return this.batch.add(write, (outcome) => wasWritten(meta.taskId, write, outcome));
    }
    return this.storeConnecting(meta.taskId, write);
  }

  /** storeResult's other path: connects first, and sends a meta above BATCH_MAX_BYTES alone (a refusal then names only it). */
  private async storeConnecting(taskId: string, write: BatchedWrite): Promise<boolean> {
    const client = await this.connection();
    let outcome: WriteOutcome;
    if (write.encoded.length <= BATCH_MAX_BYTES) {
      outcome = await this.batch.add(write, (o) => o);
    } else {
      outcome = await client.celeriacStoreResult(write.key, write.encoded, write.ttlSec).then(Number, (err: unknown) => new WriteFailure(err));
    }
    return wasWritten(taskId, write, outcome);
  }

  /**
   * Sends one turn's small writes as one STORE_RESULTS_LUA call. When Redis refuses the batch for
   * good (a reply error that is not transient), each write is sent alone, so only a write that is
   * itself refused reads as refused. Resolves with one outcome per write; never rejects.
   */
  private flushWrites(writes: BatchedWrite[]): Promise<readonly WriteOutcome[]> {
    const client = this.client;
    if (!client) return Promise.resolve(writes.map(() => new WriteFailure(closedError())));
    const alone = (w: BatchedWrite): Promise<WriteOutcome> => client.celeriacStoreResult(w.key, w.encoded, w.ttlSec)
      .then(Number, (err: unknown) => new WriteFailure(err));
    if (writes.length === 1) {
      const w = writes[0] as BatchedWrite;
      return client.celeriacStoreResult(w.key, w.encoded, w.ttlSec).then((reply) => [Number(reply)], (err: unknown) => [new WriteFailure(err)]);
    }
    const args: Array<string | number> = [writes.length, ...writes.map((w) => w.key)];
    for (const w of writes) args.push(w.ttlSec, w.encoded);
    return client.celeriacStoreResults(...args).then(
      (replies) => writes.map((_, i) => Number(replies[i])),
      (err: unknown) => {
        if (err instanceof ReplyError && !TRANSIENT_REPLY.test((err as Error).message)) return Promise.all(writes.map(alone));
        return writes.map(() => new WriteFailure(err));
      },
    );
  }

  /** The stored meta, or null when none is stored (PENDING). */
  async getTaskMeta(taskId: string): Promise<ResultMeta | null> {
    return this.readKey(this.keyFor(taskId));
  }

  /** Waits on pub/sub for a ready state (SUBSCRIBE, then GET); rejects with CELERIAC_BACKEND_TIMEOUT. */
  waitForResult(taskId: string, timeoutMs: number): Promise<ResultMeta> {
    if (this.closing) return Promise.reject(closedError());
    return this.subscriber.wait(this.keyFor(taskId), taskId, timeoutMs);
  }

  /** Deletes the stored meta (`AsyncResult.forget`). */
  async forget(taskId: string): Promise<void> {
    const client = await this.connection();
    try {
      await client.del(this.keyFor(taskId));
    } catch (thrown) {
      throw backendIoError(`forget of task ${taskId}`, thrown);
    }
  }

  /** Number of channels the shared subscriber connection is subscribed to. */
  get subscribedChannels(): number {
    return this.subscriber.subscribedChannels;
  }

  /** Chord bookkeeping on the same connection, prefix and expiry (Python's `on_chord_part_return`). */
  async onChordPartReturn(part: ChordPart): Promise<ChordPartOutcome> {
    return (await this.chordStore()).onChordPartReturn(part);
  }

  /** Chord header size and nested header GroupResult, on the same connection (`set_chord_size`, `apply_chord`). */
  readonly chordEffects = {
    setChordSize: async (groupId: string, size: number): Promise<void> => (await this.chordStore()).setChordSize(groupId, size),
    saveGroup: async (groupId: string, result: unknown): Promise<void> => (await this.chordStore()).saveGroup(groupId, result),
    addToChord: async (groupId: string): Promise<void> => (await this.chordStore()).addToChord(groupId),
  };

  private async chordStore(): Promise<RedisChordStore> {
    const client = await this.connection();
    this.chords ??= new RedisChordStore(client, { keyPrefix: this.options.keyPrefix, expiresSec: this.options.resultExpiresSec });
    return this.chords;
  }

  private chords: RedisChordStore | null = null;

  /** Rejects pending waits and closes both connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.subscriber.close();
      const client = this.client ?? (this.connecting ? await this.connecting.catch(() => null) : null);
      this.client = null;
      if (client) await closeRedisBackendClient(client);
    })();
    return this.closing;
  }

  private async readKey(key: string): Promise<ResultMeta | null> {
    const client = await this.connection();
    let text: string | null;
    try {
      text = await client.get(key);
    } catch (thrown) {
      throw backendIoError(`read of ${key}`, thrown);
    }
    return text === null ? null : decodeResultMeta(text);
  }

  private connection(): Promise<ScriptedRedis> {
    if (this.closing) return Promise.reject(closedError());
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= openRedisBackendClient(this.spec, this.shownUrl, 'commands', this.logger).then((redis) => {
      redis.defineCommand('celeriacStoreResult', { numberOfKeys: 1, lua: STORE_RESULT_LUA });
      redis.defineCommand('celeriacStoreResults', { lua: STORE_RESULTS_LUA });
      const client = redis as ScriptedRedis;
      if (this.closing) {
        void closeRedisBackendClient(client);
        throw closedError();
      }
      this.client = client;
      return client;
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }
}

/**
 * Builds a RedisResultBackend for a `redis://`, `rediss://`, `redis+socket://` or `sentinel://` URL.
 * `options` is validated with resultBackendOptionsSchema (Celery names accepted); nothing connects
 * until `connect()` or the first command.
 */
export function createRedisResultBackend(url: string, options: unknown, logger: Logger): RedisResultBackend {
  const parsed = parseResultBackendOptions(options);
  let spec: RedisConnectionSpec;
  try {
    spec = parseRedisUrl(url, {
      ...(parsed.masterName ? { masterName: parsed.masterName } : {}),
      sentinelKwargs: parsed.sentinelKwargs,
      ...(parsed.connectTimeoutMs ? { connectTimeoutMs: parsed.connectTimeoutMs } : {}),
      useSsl: parsed.useSsl,
      sslRole: 'backend',
    });
  } catch (thrown) {
    const err = coerceError(thrown);
    throw new BackendError('CELERIAC_BACKEND_BAD_URL', `result_backend: ${err.message}`, { cause: err });
  }
  for (const warning of spec.warnings ?? []) logger.warn(warning);
  // Fail a command after a bounded number of reconnect attempts (~10 s of outage) instead of queueing
  // it forever (Celery's backend gives up after its retry policy too). The worker's ResultWriter
  // retries a failed store above this, then gives an acks-late message back rather than lose it.
  const bounded: RedisConnectionSpec = { ...spec, options: { ...spec.options, maxRetriesPerRequest: 20 } };
  return new RedisResultBackend(bounded, url, parsed, logger);
}

/**
 * Error replies that clear up by themselves: loading after a restart, a replica during failover, a
 * busy script, memory or persistence trouble, a missing script (ioredis reloads it). Any other
 * error reply (`ERR Protocol error: invalid bulk length`, `WRONGTYPE`, `NOPERM`) refuses this write
 * whatever we do, so retrying it is pointless.
 */
const TRANSIENT_REPLY = /^(LOADING|READONLY|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|NOREPLICAS|MISCONF|OOM|NOSCRIPT|UNBLOCKED)\b/;

/** A write's outcome as storeResult answers it: true when written, false when SUCCESS was already stored; throws why it failed. */
function wasWritten(taskId: string, write: BatchedWrite, outcome: WriteOutcome): boolean {
  if (outcome instanceof WriteFailure) throw storeError(taskId, write.encoded.length, outcome.error);
  return outcome === 1;
}

function storeError(taskId: string, bytes: number, thrown: unknown): BackendError {
  const reply = thrown instanceof ReplyError ? (thrown as Error) : null;
  if (reply && !TRANSIENT_REPLY.test(reply.message)) {
    return new BackendError('CELERIAC_BACKEND_REFUSED', `result backend refused the result of task ${taskId} (${bytes} bytes): ${reply.message}`, { cause: reply });
  }
  return backendIoError(`store of task ${taskId}`, thrown);
}

function closedError(): BackendError {
  return new BackendError('CELERIAC_BACKEND_CLOSED', 'the result backend is closed');
}
