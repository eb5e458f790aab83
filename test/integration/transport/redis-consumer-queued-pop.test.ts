import { blockedWatchers as blockedOn, consumerRig, envelope, until } from '../../helpers/redis-consumer-rig';
import { textMessage } from '../../contract/transport-contract';
import { useRedisTransports } from '../../helpers/redis-transport-harness';
import { buildRedisKeys } from '../../../src/transport/redis/redis-keys';
import { defaultRedisTransportOptions, QUEUED_POPS_MIN_RTT_MS } from '../../../src/transport/redis/redis-transport-options';

// An idle RedisConsumer queues a pop of each watcher's own key behind that watcher's BLMOVE, so a
// message reaches it in one round trip. These tests check what that must not change: the prefetch
// bound, the order within a key, and that stop leaves nothing popped and undelivered. Every wait
// gives up after 5 s; the polling interval is 30 s, so no wake below comes from a timeout.

const redis = useRedisTransports();
const rig = (db: number, queues: string[], prefetch: number) => consumerRig(redis.server.port, db, queues, prefetch);

/** Watcher connections of db `n` blocked in BLMOVE. */
const blockedWatchers = (n: number): Promise<number> => blockedOn(redis.admin, n);

describe('RedisConsumer pops queued behind its watchers', () => {
  it('an idle consumer gets a message without a pop call on its own connection, recorded in unacked', async () => {
    const { t, db, r } = await redis.open();
    await t.declareQueue('qp.one', { exchange: 'qp.one', routingKey: 'qp.one' });
    const { consumer, arrivals, pops, quiet } = await rig(db, ['qp.one'], 8);
    await consumer.start();
    await until(async () => (await blockedWatchers(db)) === 4);
    await quiet();
    const before = pops();

    for (const [i, body] of ['m1', 'm2', 'm3'].entries()) {
      await t.publish(textMessage(body), { exchange: 'qp.one', routingKey: 'qp.one' });
      await arrivals.until(i + 1);
      // Settled (as the worker acks), so the re-armed watcher has credit for a pop again.
      arrivals.settle(consumer, 1);
      // Each pop left the key empty, so the consumer stays idle and re-arms that watcher.
      await until(async () => (await blockedWatchers(db)) === 4);
    }
    expect(arrivals.bodies()).toEqual(['m1', 'm2', 'm3']);
    expect(pops()).toBe(before);
    expect((await r.hkeys('unacked')).sort()).toEqual(arrivals.items.map((e) => e.tag).sort());
    await consumer.stop();
    expect(await blockedWatchers(db)).toBe(0);
  });

  it('never holds more than the prefetch: prefetch 2, a message on each of 2 queues × 4 priority steps at once', async () => {
    const { t, db, r } = await redis.open();
    for (const q of ['qp.a', 'qp.b']) await t.declareQueue(q, { exchange: q, routingKey: q });
    const { consumer, arrivals, quiet } = await rig(db, ['qp.a', 'qp.b'], 2);
    await consumer.start();
    await until(async () => (await blockedWatchers(db)) === 8);
    // Two of the eight watchers have a pop of 1 queued (the credit), the other six watch plainly.
    const keys = buildRedisKeys(defaultRedisTransportOptions, db);
    const batch = r.multi();
    for (const step of defaultRedisTransportOptions.prioritySteps) {
      for (const q of ['qp.a', 'qp.b']) batch.lpush(keys.queueKey(q, step), envelope(`${q}.${step}`));
    }
    await batch.exec();
    await arrivals.until(2);
    await quiet();
    expect(arrivals.items).toHaveLength(2);
    expect(await r.hlen('unacked')).toBe(2);
    while (arrivals.items.length < 8) {
      arrivals.settle(consumer, arrivals.items.length - arrivals.settled);
      await arrivals.until(Math.min(8, arrivals.settled + 2));
    }
    arrivals.settle(consumer, arrivals.items.length - arrivals.settled);
    await quiet();
    expect(arrivals.maxOutstanding).toBe(2);
    expect(arrivals.bodies().sort()).toEqual(['qp.a.0', 'qp.a.3', 'qp.a.6', 'qp.a.9', 'qp.b.0', 'qp.b.3', 'qp.b.6', 'qp.b.9']);
    await consumer.stop();
  });

  it('keeps the order of a backlog pushed onto an idle key: the queued pop takes its share, the consumer the rest', async () => {
    const { t, db, r } = await redis.open();
    await t.declareQueue('qp.o', { exchange: 'qp.o', routingKey: 'qp.o' });
    // Prefetch 40 over 4 keys: a queued pop of 10 per watcher.
    const { consumer, arrivals, pops } = await rig(db, ['qp.o'], 40);
    await consumer.start();
    await until(async () => (await blockedWatchers(db)) === 4);
    const before = pops();
    // One LPUSH of 300: the first watcher's pop runs at once and finds more than its 10.
    await r.lpush('qp.o', ...Array.from({ length: 300 }, (_, i) => envelope(`m${i}`)));
    while (arrivals.items.length < 300) {
      await arrivals.until(Math.min(300, arrivals.items.length + 1));
      arrivals.settle(consumer, arrivals.items.length - arrivals.settled);
    }
    expect(arrivals.bodies()).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`));
    expect(arrivals.maxOutstanding).toBeLessThanOrEqual(40);
    expect(pops()).toBeGreaterThan(before);
    await consumer.stop();
  });

  it('a lower prefetch takes back the credit the queued pops hold', async () => {
    const { t, db, r } = await redis.open();
    await t.declareQueue('qp.l', { exchange: 'qp.l', routingKey: 'qp.l' });
    const { consumer, arrivals, quiet } = await rig(db, ['qp.l'], 40);
    await consumer.start();
    await until(async () => (await blockedWatchers(db)) === 4);
    consumer.setPrefetch(3);
    // The watchers are re-armed under the new bound (one of them, at least, took a pop of 3 or less).
    await until(async () => (await blockedWatchers(db)) === 4);
    await quiet();
    await r.lpush('qp.l', ...Array.from({ length: 20 }, (_, i) => envelope(`m${i}`)));
    await arrivals.until(3);
    await quiet();
    expect(arrivals.items).toHaveLength(3);
    expect(await r.hlen('unacked')).toBe(3);
    arrivals.settle(consumer, 3);
    await consumer.stop();
  });

  it("queued_pops 'auto' chooses by the broker's PING (on loopback, plain watchers) and consumes in the mode it chose", async () => {
    const { t, db } = await redis.open();
    await t.declareQueue('qp.auto', { exchange: 'qp.auto', routingKey: 'qp.auto' });
    const { consumer, arrivals, pops, quiet, logs } = await consumerRig(redis.server.port, db, ['qp.auto'], 8, 30, 'auto');
    await consumer.start();
    await until(async () => (await blockedWatchers(db)) === 4);
    await quiet();
    // Loopback PINGs read far under the threshold on an idle machine, but a loaded VM (CPU steal) can
    // read more: the test checks the rule and the chosen mode's behaviour, not the machine's speed.
    const choice = logs.find((l) => l.msg === 'idle wake-up mode chosen from the broker round trip') as { rttMs: number; queuedPops: boolean };
    expect(choice.queuedPops).toBe(choice.rttMs >= QUEUED_POPS_MIN_RTT_MS);
    const before = pops();
    await t.publish(textMessage('m'), { exchange: 'qp.auto', routingKey: 'qp.auto' });
    await arrivals.until(1);
    // Plain: the consumer pops on its own connection once woken; queued: the watcher's queued pop took it.
    expect(pops()).toBe(before + (choice.queuedPops ? 0 : 1));
    arrivals.settle(consumer, 1);
    await consumer.stop();
  });

  it('stop with pops queued delivers what they took and leaves the rest queued: nothing popped is stranded', async () => {
    const { t, db, r } = await redis.open();
    await t.declareQueue('qp.s', { exchange: 'qp.s', routingKey: 'qp.s' });
    const { consumer, arrivals } = await rig(db, ['qp.s'], 8);
    await consumer.start();
    await until(async () => (await blockedWatchers(db)) === 4);
    // The push and the stop race: the message is either delivered before stop() resolves or still queued.
    const pushed = t.publish(textMessage('late'), { exchange: 'qp.s', routingKey: 'qp.s' });
    await consumer.stop();
    await pushed;
    const queued = await r.llen('qp.s');
    expect(arrivals.items.length + queued).toBe(1);
    expect(await r.hlen('unacked')).toBe(arrivals.items.length);
    expect(await blockedWatchers(db)).toBe(0);
  });
});
