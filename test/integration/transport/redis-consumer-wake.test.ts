import { blockedWatchers as blockedOn, until } from '../../helpers/redis-consumer-rig';
import type { RedisTransport } from '../../../src/transport/redis/redis-transport';
import { DeliveryLog, textMessage } from '../../contract/transport-contract';
import { useRedisTransports } from '../../helpers/redis-transport-harness';

// An idle consumer must wake on a message to ANY key it consumes (every queue x priority step), not
// only after its polling interval: the interval here is 30 s, and every wait below gives up after 5 s.
const POLLING_SEC = 30;

const redis = useRedisTransports();
let db = 0;

async function transport(): Promise<RedisTransport> {
  const opened = await redis.open({ pollingIntervalSec: POLLING_SEC });
  db = opened.db;
  return opened.t;
}

/** Watcher connections of db `n` blocked in BLMOVE. */
const blockedWatchers = (n: number): Promise<number> => blockedOn(redis.admin, n);

describe('RedisConsumer wake-up on every key', () => {
  it('an idle consumer on a,b is woken by a message to b and by one with priority 9, with little Redis work', async () => {
    const t = await transport();
    const myDb = db;
    for (const q of ['wake.a', 'wake.b']) await t.declareQueue(q, { exchange: q, routingKey: q });
    const log = new DeliveryLog();
    const consumer = await t.consume(['wake.a', 'wake.b'], 4, log.push);
    // 2 queues x 4 priority steps: one watcher per key, all blocked once the first pop found nothing.
    await until(async () => (await blockedWatchers(myDb)) === 8);
    await redis.admin.config('RESETSTAT');

    await t.publish(textMessage('to-b'), { exchange: 'wake.b', routingKey: 'wake.b' });
    await log.until(1);
    await t.publish(textMessage('to-a-p9', 9), { exchange: 'wake.a', routingKey: 'wake.a' });
    await log.until(2);
    expect(log.bodies()).toEqual(['to-b', 'to-a-p9']);
    expect(log.items.map((d) => d.queue)).toEqual(['wake.b', 'wake.a']);

    // Each wake is one watcher firing then one or two pop calls: no polling loop behind it.
    const stats = (await redis.admin.info('commandstats')) as string;
    const pops = Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    expect(pops).toBeLessThanOrEqual(6);
    await Promise.all(log.items.map((d) => d.ack()));
    await consumer.stop();
    // stop() releases every watcher connection.
    await until(async () => (await blockedWatchers(myDb)) === 0);
  });

  it('watches queues added by add_consumer and forgets cancelled ones', async () => {
    const t = await transport();
    const myDb = db;
    for (const q of ['wake.x', 'wake.y', 'wake.z']) await t.declareQueue(q, { exchange: q, routingKey: q });
    const log = new DeliveryLog();
    const consumer = await t.consume(['wake.x'], 4, log.push);
    await until(async () => (await blockedWatchers(myDb)) === 4);

    await consumer.addQueue('wake.y');
    await until(async () => (await blockedWatchers(myDb)) === 8);
    await t.publish(textMessage('to-y-p6', 6), { exchange: 'wake.y', routingKey: 'wake.y' });
    await log.until(1);
    expect(log.items[0]?.queue).toBe('wake.y');

    await consumer.cancelQueue('wake.x');
    await until(async () => (await blockedWatchers(myDb)) === 4);
    await t.publish(textMessage('to-x'), { exchange: 'wake.x', routingKey: 'wake.x' });
    await t.publish(textMessage('to-y'), { exchange: 'wake.y', routingKey: 'wake.y' });
    await log.until(2);
    expect(log.bodies()).toEqual(['to-y-p6', 'to-y']);
    expect(await t.queueLength('wake.x')).toBe(1);
    await Promise.all(log.items.map((d) => d.ack()));
    await consumer.stop();
  });

  it('a watch neither takes nor reorders messages: a Python-style consumer sees the queue intact', async () => {
    const t = await transport();
    const myDb = db;
    await t.declareQueue('wake.o', { exchange: 'wake.o', routingKey: 'wake.o' });
    const log = new DeliveryLog();
    // Prefetch 1: the first message is held unsettled, so the rest wait in the list under the watchers.
    const consumer = await t.consume(['wake.o'], 1, log.push);
    await until(async () => (await blockedWatchers(myDb)) === 4);
    for (const body of ['m1', 'm2', 'm3']) await t.publish(textMessage(body), { exchange: 'wake.o', routingKey: 'wake.o' });
    await log.until(1);
    await redis.admin.select(myDb);
    // kombu pops from the right: the remaining order must still be m2 then m3.
    const rest = await redis.admin.lrange('wake.o', 0, -1);
    expect(rest.map((raw) => Buffer.from((JSON.parse(raw) as { body: string }).body, 'base64').toString())).toEqual(['m3', 'm2']);
    await log.items[0]?.ack();
    await (await log.until(2))[1]?.ack();
    await log.until(3);
    expect(log.bodies()).toEqual(['m1', 'm2', 'm3']);
    await Promise.all(log.items.map((d) => d.ack()));
    await consumer.stop();
    await redis.admin.select(0);
  });
});
