import { blockedWatchers, consumerRig, envelope, until } from '../../helpers/redis-consumer-rig';
import { defaultRedisTransportOptions } from '../../../src/transport/redis/redis-transport-options';
import { textMessage } from '../../contract/transport-contract';
import { useRedisTransports } from '../../helpers/redis-transport-harness';

// RedisConsumer keeps more than one pop script call in flight on its connection: the credit of each is
// reserved when it is sent, so the prefetch bound holds, and Redis runs them in the order sent, so the
// order within a queue holds. The consumer is built on a client the test owns, to count calls in flight.

const redis = useRedisTransports();
const rig = (db: number, queues: string[], prefetch: number) => consumerRig(redis.server.port, db, queues, prefetch);

describe('RedisConsumer with pops in flight', () => {
  it('never holds more than the prefetch count, and hands out the rest as deliveries settle', async () => {
    const { t, db, r } = await redis.open();
    await t.declareQueue('pipe.p', { exchange: 'pipe.p', routingKey: 'pipe.p' });
    for (let i = 0; i < 500; i++) await t.publish(textMessage(`m${i}`), { exchange: 'pipe.p', routingKey: 'pipe.p' });
    const P = 100;
    const { consumer, arrivals, maxInFlight, quiet } = await rig(db, ['pipe.p'], P);
    await consumer.start();

    // Two calls go out at once (64, then the 36 left of the credit), and nothing more without acks.
    await arrivals.until(P);
    await quiet();
    expect(arrivals.items).toHaveLength(P);
    expect(maxInFlight()).toBe(2);
    expect(await r.hlen('unacked')).toBe(P);
    expect(await r.llen('pipe.p')).toBe(500 - P);

    // 30 settled: a low-water mark (25) of credit, one call of 30.
    arrivals.settle(consumer, 30);
    await arrivals.until(P + 30);
    await quiet();
    expect(arrivals.items).toHaveLength(P + 30);

    while (arrivals.items.length < 500) {
      arrivals.settle(consumer, arrivals.items.length - arrivals.settled);
      await arrivals.until(Math.min(500, arrivals.settled + P));
    }
    arrivals.settle(consumer, arrivals.items.length - arrivals.settled);
    await quiet();
    expect(arrivals.maxOutstanding).toBe(P);
    expect(arrivals.items).toHaveLength(500);
    expect(arrivals.bodies()).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    await consumer.stop();
  });

  it('keeps the order within each queue across pipelined calls (prefetch 0: full batches, two in flight, then larger)', async () => {
    const { t, db, r } = await redis.open();
    for (const q of ['pipe.a', 'pipe.b']) await t.declareQueue(q, { exchange: q, routingKey: q });
    for (let i = 0; i < 500; i++) {
      await t.publish(textMessage(`a${i}`), { exchange: 'pipe.a', routingKey: 'pipe.a' });
      if (i < 300) await t.publish(textMessage(`b${i}`), { exchange: 'pipe.b', routingKey: 'pipe.b' });
    }
    const { consumer, arrivals, maxInFlight, maxBatch } = await rig(db, ['pipe.a', 'pipe.b'], 0);
    await consumer.start();
    await arrivals.until(800);
    expect(maxInFlight()).toBe(2);
    // 64 at first; once a call came back full (a backlog), 128.
    expect(maxBatch()).toBe(128);
    expect(arrivals.bodies('pipe.a')).toEqual(Array.from({ length: 500 }, (_, i) => `a${i}`));
    expect(arrivals.bodies('pipe.b')).toEqual(Array.from({ length: 300 }, (_, i) => `b${i}`));
    // Round robin while both have messages: the first 600 alternate between the queues.
    const first = arrivals.items.slice(0, 600).map((e) => e.queue);
    expect(first.filter((q) => q === 'pipe.b')).toHaveLength(300);
    expect(await r.hlen('unacked')).toBe(800);
    await consumer.stop();
  });

  it('after an idle wake sends one pop alone: a lone message costs one call, a backlog pipelines again', async () => {
    const { t, db, r } = await redis.open();
    await t.declareQueue('pipe.w', { exchange: 'pipe.w', routingKey: 'pipe.w' });
    const { consumer, arrivals, pops, quiet } = await consumerRig(redis.server.port, db, ['pipe.w'], 0, 30, false);
    await consumer.start();
    await until(async () => (await blockedWatchers(redis.admin, db)) === defaultRedisTransportOptions.prioritySteps.length);
    const before = pops();
    await t.publish(textMessage('lone'), { exchange: 'pipe.w', routingKey: 'pipe.w' });
    await arrivals.until(1);
    await until(async () => (await blockedWatchers(redis.admin, db)) === defaultRedisTransportOptions.prioritySteps.length);
    await quiet();
    // The reply said every key was left empty: no second call was sent behind the first.
    expect(pops() - before).toBe(1);

    await r.lpush('pipe.w', ...Array.from({ length: 300 }, (_, i) => envelope(`m${i}`)));
    await arrivals.until(301);
    expect(arrivals.bodies().slice(1)).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`));
    await consumer.stop();
  });
});
