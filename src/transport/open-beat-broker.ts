import type { BeatBroker } from '../beat/beat-state-store';
import { TransportError } from '../errors/celeriac-error';
import { brokerScheme, REDIS_SCHEMES } from './create-transport';
import { openRedisBeatBroker } from './redis/open-redis-beat-broker';
import { parseRedisTransportOptions } from './redis/redis-transport-options';
import { safeUrl } from './safe-url';

/**
 * Beat's lease and run record on the broker of `url`, chosen by scheme as `createTransport` chooses
 * the transport. `options` is Celery's `broker_transport_options` (snake_case). Only Redis brokers
 * can hold beat's exactly-once record today: lease check, record and publish run as one script there.
 * Does not connect: call `connect()`.
 */
export function openBeatBroker(url: string, options: Record<string, unknown>, beat: { leaseMs: number; keyPrefix?: string }): BeatBroker {
  const scheme = brokerScheme(url);
  if (scheme !== undefined && REDIS_SCHEMES.has(scheme)) {
    return openRedisBeatBroker(url, parseRedisTransportOptions(options), beat);
  }
  throw new TransportError('CELERIAC_BEAT_BROKER_UNSUPPORTED',
    `beat cannot run on broker ${safeUrl(url)}: it keeps its lease and its exactly-once run record on a Redis broker (redis://, rediss://, sentinel://); ${scheme ? `"${scheme}" is not supported yet` : 'the URL has no scheme'}`);
}
