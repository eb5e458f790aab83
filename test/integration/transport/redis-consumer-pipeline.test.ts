import Redis from 'ioredis';
import pino from 'pino';
import { RedisConsumer, type PoppedElement } from '../../../src/transport/redis/redis-consumer';
import { RedisKeyWatchers } from '../../../src/transport/redis/redis-key-watchers';
import { buildRedisKeys } from '../../../src/transport/redis/redis-keys';
import { popAndRecordScript } from '../../../src/transport/redis/redis-scripts';
import { defaultRedisTransportOptions } from '../../../src/transport/redis/redis-transport-options';
import { textMessage } from '../../contract/transport-contract';
import { useRedisTransports } from '../../helpers/redis-transport-harness';

// RedisConsumer keeps more than one pop script call in flight on its connection: the credit of each is
// reserved when it is sent, so the prefetch bound holds, and Redis runs them in the order sent, so the
// order within a queue holds. The consumer is built on a client the test owns, to count calls in flight.

const redis = useRedisTransports();
const silent = pino({ level: 'silent' });
const STEPS = defaultRedisTransportOptions.prioritySteps;

/** What the sink got: elements in arrival order; `settle` gives credit back as an ack would. */
class Arrivals {
  readonly items: PoppedElement[] = [];
  settled = 0;
  maxOutstanding = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  receive(element: PoppedElement, consumer: RedisConsumer): void {
    this.items.push(element);
    consumer.track(1);
    this.maxOutstanding = Math.max(this.maxOutstanding, this.items.length - this.settled);
    this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
  }

  settle(consumer: RedisConsumer, n: number): void {
    for (let i = 0; i < n; i++) consumer.track(-1);
    this.settled += n;
  }

  /** Resolves once `n` elements arrived in total; fails after 5 s. */
  until(n: number): Promise<void> {
    if (this.items.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.items.length} of ${n} elements arrived`)), 5000);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** Message bodies (the envelopes' base64 bodies decoded), optionally of one queue. */
  bodies(queue?: string): string[] {
    return this.items.filter((e) => queue === undefined || e.queue === queue)
      .map((e) => Buffer.from((JSON.parse(e.raw) as { body: string }).body, 'base64').toString('utf8'));
  }
}

interface Rig {
  consumer: RedisConsumer;
  arrivals: Arrivals;
  client: Redis;
  /** Most pop calls ever in flight at once on the consumer's connection. */
  maxInFlight: () => number;
  /** Most messages one pop call returned. */
  maxBatch: () => number;
  /** Resolves once every pop the consumer has sent was answered and handed to the sink. */
  quiet: () => Promise<void>;
}

async function rig(db: number, queues: string[], prefetch: number): Promise<Rig> {
  const { port } = redis.server;
  const client = new Redis(port, '127.0.0.1', { db });
  await client.script('LOAD', popAndRecordScript.source);
  let open = 0;
  let most = 0;
  let batch = 0;
  const spied = client as unknown as { evalsha: (...args: unknown[]) => Promise<unknown> };
  const evalsha = spied.evalsha.bind(client);
  spied.evalsha = (...args: unknown[]) => {
    open += 1;
    most = Math.max(most, open);
    return evalsha(...args).then((reply) => {
      batch = Math.max(batch, (reply as unknown[]).length / 4);
      return reply;
    }).finally(() => { open -= 1; });
  };
  const control = new Redis(port, '127.0.0.1', { db });
  const watchers = new RedisKeyWatchers(async () => new Redis(port, '127.0.0.1', { db }), control, 30, silent);
  const arrivals = new Arrivals();
  const consumer = new RedisConsumer(client, watchers, buildRedisKeys(defaultRedisTransportOptions, db), STEPS,
    { maxElementBytes: 0, poisonQueue: '' }, { receive: (e, c) => arrivals.receive(e, c) }, silent, queues, prefetch,
    async () => { await client.quit(); await control.quit(); });
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  // A turn lets the loop send what it decided to; the PING is answered after every pop sent before it;
  // another turn lets those replies reach the sink.
  const quiet = async (): Promise<void> => { await turn(); await client.ping(); await turn(); };
  return { consumer, arrivals, client, maxInFlight: () => most, maxBatch: () => batch, quiet };
}

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
});
