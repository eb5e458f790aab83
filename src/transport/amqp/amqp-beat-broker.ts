import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BeatBroker } from '../../beat/beat-state-store';
import { buildBeatKeys, RedisBeatLease } from '../redis/redis-beat-lease';
import { createRedisClient, parseRedisUrl } from '../redis/redis-connection';
import { safeUrl } from '../safe-url';
import { AmqpBeatFileLease } from './amqp-beat-file-lease';
import { AmqpBeatFileRecord } from './amqp-beat-file-record';
import { AmqpBeatRedisRecord } from './amqp-beat-redis-record';
import { AmqpBeatStateStore } from './amqp-beat-state-store';
import { AmqpTransport } from './amqp-transport';
import type { QueueTableSettings } from './amqp-queue-table';
import type { AmqpTransportOptions } from './amqp-transport-options';

/** Where a beat on RabbitMQ keeps its lease and run record. */
export interface AmqpBeatSettings {
  leaseMs: number;
  /** Prefix of the Redis keys (with `redisUrl`). Default `celeriac.beat`. */
  keyPrefix?: string;
  /** A Redis URL (the result backend's) for the lease and record; several beats may then run, one sends. */
  redisUrl?: string;
  /** Otherwise: the local state file (Celery's `beat_schedule_filename`); its lock file sits next to it. */
  stateFile: string;
  /** Celery's queue settings: the queues runs go to are declared as the worker and Python declare them. */
  queueSettings: QueueTableSettings;
  logger: Logger;
  /** Celery's `redis_backend_use_ssl`, for `redisUrl`. */
  redisUseSsl?: Record<string, unknown>;
}

/**
 * Beat on a RabbitMQ broker. RabbitMQ cannot record a run and publish it in one step, nor hold a
 * lease, so the record lives elsewhere: in the Redis result backend when there is one (the Redis
 * lease of a Redis-broker beat, HA), else in a local state file with a lock file (one beat).
 * Runs are published with publisher confirms through the AMQP transport (queues declared as
 * Celery declares them). Does not connect: call `connect()`.
 */
export function openAmqpBeatBroker(url: string, options: AmqpTransportOptions, beat: AmqpBeatSettings): BeatBroker {
  const transport = new AmqpTransport(url, options, beat.logger.child({ component: 'beat-transport' }), beat.queueSettings);
  if (beat.redisUrl) {
    const spec = parseRedisUrl(beat.redisUrl, { clientName: 'celeriac-beat', useSsl: beat.redisUseSsl, sslRole: 'backend' });
    const client = createRedisClient({ ...spec, options: { ...spec.options, commandTimeout: Math.max(500, Math.floor(beat.leaseMs / 3)) } });
    client.on('error', () => undefined); // failures surface on the commands; ioredis reconnects by itself
    const keys = buildBeatKeys(beat.keyPrefix);
    beat.logger.info({ record: safeUrl(beat.redisUrl), keyPrefix: beat.keyPrefix ?? 'celeriac.beat' }, 'beat keeps its lease and run record in Redis');
    return {
      lease: new RedisBeatLease(client, beat.leaseMs, keys),
      store: new AmqpBeatStateStore(new AmqpBeatRedisRecord(client, keys), transport, beat.logger),
      connect: async () => { await Promise.all([client.connect(), transport.connect()]); },
      close: async () => { client.disconnect(); await transport.close(); },
    };
  }
  const stateFile = resolve(beat.stateFile);
  const record: AmqpBeatFileRecord = new AmqpBeatFileRecord(stateFile, async (token: string): Promise<boolean> => token === lease.token && (await lease.renew()));
  const lease: AmqpBeatFileLease = new AmqpBeatFileLease(`${stateFile}.lock`, record, beat.logger);
  beat.logger.info({ stateFile, lockFile: lease.lockPath }, 'beat keeps its run record in a local state file: run one beat per broker');
  return {
    lease,
    store: new AmqpBeatStateStore(record, transport, beat.logger),
    connect: () => transport.connect(),
    close: () => transport.close(),
  };
}
