import type { Logger } from 'pino';
import type { BeatBroker } from '../../beat/beat-state-store';
import { buildBeatKeys, RedisBeatLease, RedisBeatStateStore } from './redis-beat-lease';
import { createRedisClient, parseRedisUrl } from './redis-connection';
import { buildRedisKeys } from './redis-keys';
import type { RedisTransportOptions } from './redis-transport-options';

/**
 * Beat's lease and state on a Redis broker: one client with a command timeout of a third of the
 * lease (a hung command must not outlive the beat's renewal), queue keys named as the transport
 * names them (`broker_transport_options`), beat keys under `keyPrefix`.
 */
export function openRedisBeatBroker(url: string, options: RedisTransportOptions, beat: { leaseMs: number; keyPrefix?: string; useSsl?: unknown; logger?: Logger }): BeatBroker {
  const spec = parseRedisUrl(url, { clientName: 'celeriac-beat', ...(options.masterName ? { masterName: options.masterName } : {}),
    sentinelKwargs: options.sentinelKwargs, useSsl: beat.useSsl });
  for (const warning of spec.warnings ?? []) beat.logger?.warn(warning);
  const client = createRedisClient({ ...spec, options: { ...spec.options, commandTimeout: Math.max(500, Math.floor(beat.leaseMs / 3)) } });
  client.on('error', () => undefined); // failures surface on the commands; ioredis reconnects by itself
  const keys = buildBeatKeys(beat.keyPrefix);
  return {
    lease: new RedisBeatLease(client, beat.leaseMs, keys),
    store: new RedisBeatStateStore(client, buildRedisKeys(options, spec.db), keys),
    connect: async () => { await client.connect(); },
    close: async () => { client.disconnect(); },
  };
}
