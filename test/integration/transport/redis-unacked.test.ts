import Redis from 'ioredis';
import pino from 'pino';
import { buildRedisKeys } from '../../../src/transport/redis/redis-keys';
import { defaultRedisTransportOptions } from '../../../src/transport/redis/redis-transport-options';
import { RedisUnacked } from '../../../src/transport/redis/redis-unacked';
import { useRedisTransports } from '../../helpers/redis-transport-harness';

// RedisUnacked.remove is kombu's QoS.ack (ZREM unacked_index + HDEL unacked): the acks of one turn
// share one script call, which unpacks its tags in slices (Lua's stack holds about 8,000 values).

const redis = useRedisTransports();
const silent = pino({ level: 'silent' });

async function unackedOn(r: Redis, db: number): Promise<RedisUnacked> {
  return new RedisUnacked(r, buildRedisKeys(defaultRedisTransportOptions, db), async () => [],
    { visibilityTimeoutSec: 3600, unackedMutexExpireSec: 300, unackedRestoreLimit: null }, silent);
}

async function record(r: Redis, tags: string[]): Promise<void> {
  for (let i = 0; i < tags.length; i += 1000) {
    const slice = tags.slice(i, i + 1000);
    await r.zadd('unacked_index', ...slice.flatMap((t) => [1, t]));
    await r.hset('unacked', ...slice.flatMap((t) => [t, `[{"t": "${t}"}, "", "q"]`]));
  }
}

/** EVALSHA + EVAL calls the server has run (INFO commandstats). */
async function scriptCalls(r: Redis): Promise<number> {
  const stats = await r.info('commandstats');
  const calls = (name: string): number => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

describe('RedisUnacked.remove', () => {
  it('settles 9,000 acks of one turn in one call, leaving the other entries alone', async () => {
    const { db, r } = await redis.open();
    const tags = Array.from({ length: 9000 }, (_, i) => `tag-${i}`);
    await record(r, [...tags, 'kept']);
    const unacked = await unackedOn(r, db);
    const before = await scriptCalls(r);
    await Promise.all(tags.map((t) => unacked.remove(t)));
    const after = await scriptCalls(r);
    expect(await r.hkeys('unacked')).toEqual(['kept']);
    expect(await r.zrange('unacked_index', 0, -1)).toEqual(['kept']);
    // One script call for the batch: EVALSHA, and EVAL after it when the server did not know the script yet.
    expect(after - before).toBeLessThanOrEqual(2);
  });

  /** A fresh database with `tags` recorded as unacked, and its RedisUnacked. */
  async function recorded(tags: string[]): Promise<{ r: Redis; unacked: RedisUnacked }> {
    const { db, r } = await redis.open();
    await record(r, tags);
    return { r, unacked: await unackedOn(r, db) };
  }

  /** Both halves of kombu's record are empty. */
  async function expectNothingUnacked(r: Redis): Promise<void> {
    expect(await r.hlen('unacked')).toBe(0);
    expect(await r.zcard('unacked_index')).toBe(0);
  }

  it('acks after the server lost its script cache (a restart): NOSCRIPT, then the script itself', async () => {
    const { r, unacked } = await recorded(['x1', 'x2']);
    await unacked.remove('x1');
    await r.script('FLUSH');
    await unacked.remove('x2');
    await expectNothingUnacked(r);
  });

  it('resolves for a tag that is no longer unacked (settled elsewhere), and for one turn after another', async () => {
    const { r, unacked } = await recorded(['a', 'b']);
    await unacked.remove('gone');
    await unacked.remove('a');
    await Promise.all([unacked.remove('b'), unacked.remove('b')]);
    await expectNothingUnacked(r);
  });
});
