import type { Delivery, FanoutMessage } from '../../src/transport/transport';
import { textMessage, useContractContext, type TransportHarness } from './transport-contract-context';

export { DeliveryLog, textMessage, type TransportHarness } from './transport-contract-context';

/**
 * The broker-neutral Transport contract: what every implementation (Memory, Redis, AMQP) does.
 * Orders that only kombu's Redis layout defines (priority buckets, round-robin, requeue at the tail
 * with the same tag) are in kombu-redis-layout-contract.ts.
 */
export function describeTransportContract(name: string, createHarness: () => Promise<TransportHarness>,
  features: { severConnections?: boolean; perConsumerPrefetch?: boolean } = {}): void {
  describe(`Transport contract: ${name}`, () => {
    const ctx = useContractContext(createHarness);
    const { open, declared, consume } = ctx;

    it('delivers one queue in FIFO order', async () => {
      const t = await open();
      const queue = await declared(t, 'fifo');
      for (let i = 0; i < 5; i++) await t.publish(textMessage(`m${i}`), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue]);
      await log.until(5);
      expect(log.bodies()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect(log.items.every((d) => d.queue === queue && !d.redelivered && d.route.routingKey === queue)).toBe(true);
    });

    it('purge deletes the ready messages of one queue at every priority and says how many; unsettled ones stay', async () => {
      const t = await open();
      const queue = await declared(t, 'purge');
      const other = await declared(t, 'purge-other');
      for (const p of [0, 3, 9, 9]) await t.publish(textMessage(`p${p}`, p), { exchange: '', routingKey: queue });
      await t.publish(textMessage('other'), { exchange: '', routingKey: other });
      const { log, consumer } = await consume(t, [queue], 1);
      await log.until(1);
      await consumer.stop();
      expect(await t.purge(queue)).toBe(3);
      expect(await t.queueLength(queue)).toBe(0);
      expect(await t.queueLength(other)).toBe(1);
      expect(await t.purge(queue)).toBe(0);
      await log.items[0]?.reject(true);
      expect(await t.queueLength(queue)).toBe(1);
    });

    // RabbitMQ's per-consumer basic.qos (what quorum queues and RabbitMQ 4 support): each queue's consumer
    // is bounded on its own, and a new prefetch count applies to the consumers started after it.
    (features.perConsumerPrefetch ? it : it.skip)('never has more than prefetch unsettled per queue consumer; setPrefetch applies to consumers started later', async () => {
      const t = await open();
      const [a, b] = [await declared(t, 'pc-a'), await declared(t, 'pc-b')];
      for (let i = 0; i < 4; i++) for (const q of [a, b]) await t.publish(textMessage(`${q === a ? 'a' : 'b'}${i}`), { exchange: '', routingKey: q });
      const { log, consumer } = await consume(t, [a], 2);
      await log.until(2);
      expect(await t.queueLength(a)).toBe(2);
      consumer.setPrefetch(3);
      await log.items[0]?.ack();
      await log.until(3);
      expect(await t.queueLength(a)).toBe(1); // still 2 unsettled on a's consumer
      await consumer.addQueue(b);
      await log.until(6);
      expect(await t.queueLength(b)).toBe(1); // b's consumer started under 3
      expect(log.bodies().filter((x) => x.startsWith('b'))).toEqual(['b0', 'b1', 'b2']);
    });

    (features.perConsumerPrefetch ? it.skip : it)('never has more than prefetch unsettled; setPrefetch raises and lowers the bound', async () => {
      const t = await open();
      const queue = await declared(t, 'prefetch');
      for (let i = 0; i < 8; i++) await t.publish(textMessage(`m${i}`), { exchange: '', routingKey: queue });
      const { log, consumer } = await consume(t, [queue], 2);
      await log.until(2);
      expect(await t.queueLength(queue)).toBe(6);
      await log.items[0]?.ack();
      await log.until(3);
      expect(await t.queueLength(queue)).toBe(5);
      consumer.setPrefetch(4);
      await log.until(5);
      expect(await t.queueLength(queue)).toBe(3);
      consumer.setPrefetch(1);
      for (const d of log.items.slice(1, 4)) await d.ack();
      expect(await t.queueLength(queue)).toBe(3);
      await log.items[4]?.ack();
      await log.until(6);
      expect(await t.queueLength(queue)).toBe(2);
      consumer.setPrefetch(0);
      await log.until(8);
      expect(log.bodies()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    });

    (features.perConsumerPrefetch ? it.skip : it)('bounds the unsettled deliveries of several queues together', async () => {
      const t = await open();
      const [a, b] = [await declared(t, 'bound-a'), await declared(t, 'bound-b')];
      for (let i = 0; i < 3; i++) {
        await t.publish(textMessage(`a${i}`), { exchange: '', routingKey: a });
        await t.publish(textMessage(`b${i}`), { exchange: '', routingKey: b });
      }
      const { log } = await consume(t, [a, b], 2);
      await log.until(2);
      expect((await t.queueLength(a)) + (await t.queueLength(b))).toBe(4);
      for (const d of log.items.slice(0, 2)) await d.ack();
      await log.until(4);
      expect((await t.queueLength(a)) + (await t.queueLength(b))).toBe(2);
    });

    it('ack removes for good and reject(false) drops: nothing comes back at close', async () => {
      const t = await open();
      const queue = await declared(t, 'ack');
      await t.publish(textMessage('acked'), { exchange: '', routingKey: queue });
      await t.publish(textMessage('dropped'), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue]);
      const [first, second] = await log.until(2);
      await first?.ack();
      await first?.ack();
      await second?.reject(false);
      await t.close();
      const again = await open();
      expect(await again.queueLength(queue)).toBe(0);
    });

    it('reject(true) gives the message back, flagged redelivered, with the others still delivered', async () => {
      const t = await open();
      const queue = await declared(t, 'requeue');
      await t.publish(textMessage('m1'), { exchange: '', routingKey: queue });
      await t.publish(textMessage('m2'), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue], 1);
      const [m1] = await log.until(1);
      expect(m1?.redelivered).toBe(false);
      await m1?.reject(true);
      const [, second] = await log.until(2);
      await second?.ack();
      const [, , third] = await log.until(3);
      await third?.ack();
      const later = [second, third];
      expect(later.map((d) => d?.message.body.toString()).sort()).toEqual(['m1', 'm2']);
      expect(later.find((d) => d?.message.body.toString() === 'm1')?.redelivered).toBe(true);
      expect(await t.queueLength(queue)).toBe(0);
    });

    it('close() gives every unsettled delivery back, flagged redelivered', async () => {
      const t = await open();
      const queue = await declared(t, 'close');
      for (let i = 0; i < 3; i++) await t.publish(textMessage(`m${i}`), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue]);
      const [m0] = await log.until(3);
      await m0?.ack();
      await t.close();
      await t.close();
      await log.items[1]?.ack(); // settled by close already: a no-op
      const again = await open();
      expect(await again.queueLength(queue)).toBe(2);
      const { log: log2 } = await consume(again, [queue]);
      await log2.until(2);
      expect(log2.bodies().sort()).toEqual(['m1', 'm2']);
      expect(log2.items.every((d) => d.redelivered)).toBe(true);
    });

    // Only for brokers that redeliver on connection loss (kombu-Redis waits for the visibility timeout).
    (features.severConnections ? it : it.skip)('redelivers what a consumer held when its connection is lost', async () => {
      const sever = ctx.harness().severConnections;
      if (!sever) throw new Error('the harness cannot sever connections');
      const t = await open();
      const queue = await declared(t, 'sever');
      for (let i = 0; i < 2; i++) await t.publish(textMessage(`m${i}`), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue], 1);
      const [held] = await log.until(1);
      await sever();
      const [, again] = await log.until(2, 30_000);
      await held?.ack(); // its channel is gone: a no-op, not an ack of another message under a stale tag
      expect(again?.message.body.toString()).toBe('m0');
      expect(again?.redelivered).toBe(true);
      await again?.ack();
      const [, , next] = await log.until(3, 10_000);
      expect(next?.message.body.toString()).toBe('m1');
      await next?.ack();
      expect(await t.queueLength(queue)).toBe(0);
    });

    it('addQueue starts and cancelQueue stops consuming a queue', async () => {
      const t = await open();
      const [a, b] = [await declared(t, 'add-a'), await declared(t, 'add-b')];
      const { log, consumer } = await consume(t, [a]);
      await consumer.addQueue(b);
      expect(consumer.queues()).toEqual([a, b]);
      await t.publish(textMessage('to-b'), { exchange: '', routingKey: b });
      await log.until(1);
      await consumer.cancelQueue(a);
      expect(consumer.queues()).toEqual([b]);
      await t.publish(textMessage('to-a'), { exchange: '', routingKey: a });
      await t.publish(textMessage('to-b2'), { exchange: '', routingKey: b });
      await log.until(2);
      expect(log.bodies()).toEqual(['to-b', 'to-b2']);
      expect(await t.queueLength(a)).toBe(1);
      await consumer.stop();
      await consumer.stop();
    });

    it('routes a named direct exchange through declared bindings', async () => {
      const t = await open();
      const [a, b] = [ctx.q('bind-a'), ctx.q('bind-b')];
      const exchange = ctx.q('ex');
      await t.declareQueue(a, { exchange, routingKey: 'rk.a' });
      await t.declareQueue(b, { exchange, routingKey: 'rk.b' });
      await t.publish(textMessage('x'), { exchange, routingKey: 'rk.b' });
      expect([await t.queueLength(a), await t.queueLength(b)]).toEqual([0, 1]);
      const { log } = await consume(t, [b]);
      const [d] = await log.until(1);
      expect(d?.route).toEqual({ exchange, routingKey: 'rk.b' });
    });

    it('fans out to matching pattern subscriptions with exchange and routing key', async () => {
      const t = await open();
      const exchange = ctx.q('fan');
      const got: FanoutMessage[] = [];
      let resolve!: () => void;
      const done = new Promise<void>((r) => { resolve = r; });
      const unsubscribe = await t.subscribeFanout(exchange, 'worker.#', (m) => {
        got.push(m);
        if (m.routingKey === 'worker.offline') resolve();
      });
      await t.publishFanout(exchange, 'task.sent', textMessage('task'));
      await t.publishFanout(`${exchange}x`, 'worker.heartbeat', textMessage('other exchange'));
      await t.publishFanout(exchange, 'worker.heartbeat', textMessage('hb'));
      await t.publishFanout(exchange, 'worker.offline', textMessage('off'));
      await done;
      expect(got.map((m) => [m.exchange, m.routingKey, m.message.body.toString()])).toEqual([
        [exchange, 'worker.heartbeat', 'hb'], [exchange, 'worker.offline', 'off'],
      ]);
      await unsubscribe();
      await unsubscribe();
    });

    it('counts ready messages, whatever their priority; an unknown queue has none', async () => {
      const t = await open();
      expect(await t.queueLength(ctx.q('never-declared'))).toBe(0);
      const queue = await declared(t, 'len');
      expect(await t.queueLength(queue)).toBe(0);
      for (const p of [0, 4, 7, 9, 9]) await t.publish(textMessage(`p${p}`, p), { exchange: '', routingKey: queue });
      expect(await t.queueLength(queue)).toBe(5);
    });

    it('carries a 1 MB body, unicode text and integer headers intact', async () => {
      const t = await open();
      const queue = await declared(t, 'big');
      const big = Buffer.alloc(1024 * 1024, 0);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      await t.publish({ ...textMessage('big'), body: big, contentType: 'application/octet-stream', contentEncoding: 'binary' }, { exchange: '', routingKey: queue });
      const text = 'héllo wörld ✓ 日本語 🎉';
      const ints = { retries: 3, small: -7, wide: 40_000, huge: 2 ** 40, timelimit: [30, null], ratio: 0.25 };
      await t.publish(textMessage(text, undefined, { note: text, ...ints }), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue]);
      const [d1, d2] = await log.until(2) as [Delivery, Delivery];
      expect(d1.message.body.equals(big)).toBe(true);
      expect(d1.message.contentType).toBe('application/octet-stream');
      expect(d2.message.body.toString('utf8')).toBe(text);
      expect(d2.message.headers).toMatchObject({ note: text, ...ints });
    });
  });
}
