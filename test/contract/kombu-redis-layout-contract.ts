import { textMessage, useContractContext, type TransportHarness } from './transport-contract-context';

/**
 * What kombu's Redis transport does beyond the neutral contract, and so what RedisTransport and
 * MemoryTransport (its in-memory model) must do too: priority buckets consumed lowest first, strict
 * round-robin across queues, a requeued message at the tail with the same delivery tag, publishes
 * to an exchange with no matching binding dropped silently. Messages need no declared queue.
 */
export function describeKombuRedisLayoutContract(name: string, createHarness: () => Promise<TransportHarness>): void {
  describe(`kombu Redis layout: ${name}`, () => {
    const { open, q, consume } = useContractContext(createHarness);

    it('consumes priority 0 first, FIFO inside each bucket (0-2, 3-5, 6-8, 9; clamped)', async () => {
      const t = await open();
      const queue = q('prio');
      const prios = [9, 5, 0, 3, 7, 1, 42, -3, 2];
      for (const p of prios) await t.publish(textMessage(`p${p}`, p), { exchange: '', routingKey: queue });
      expect(await t.queueLength(queue)).toBe(prios.length);
      const { log } = await consume(t, [queue]);
      await log.until(prios.length);
      expect(log.bodies()).toEqual(['p0', 'p1', 'p-3', 'p2', 'p5', 'p3', 'p7', 'p9', 'p42']);
    });

    it('round-robins across queues, the queue that yielded going last', async () => {
      const t = await open();
      const [a, b] = [q('rr-a'), q('rr-b')];
      for (let i = 0; i < 3; i++) await t.publish(textMessage(`a${i}`), { exchange: '', routingKey: a });
      for (let i = 0; i < 3; i++) await t.publish(textMessage(`b${i}`), { exchange: '', routingKey: b });
      const { log } = await consume(t, [a, b]);
      await log.until(6);
      expect(log.bodies()).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
      expect(log.items.map((d) => d.queue)).toEqual([a, b, a, b, a, b]);
    });

    it('reject(true) puts the message back behind the others, same delivery tag, header redelivered', async () => {
      const t = await open();
      const queue = q('requeue');
      await t.publish(textMessage('m1'), { exchange: '', routingKey: queue });
      await t.publish(textMessage('m2'), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue], 1);
      const [m1] = await log.until(1);
      await m1?.reject(true);
      await log.until(2);
      await log.items[1]?.ack();
      const [, m2, back] = await log.until(3);
      expect([m2?.message.body.toString(), back?.message.body.toString()]).toEqual(['m2', 'm1']);
      expect(back?.redelivered).toBe(true);
      expect(back?.deliveryTag).toBe(m1?.deliveryTag);
      expect(back?.message.headers.redelivered).toBe(true);
    });

    it('drops a publish to an exchange with no matching binding, without an error', async () => {
      const t = await open();
      const a = q('bind-a');
      const exchange = q('ex');
      await t.declareQueue(a, { exchange, routingKey: 'rk.a' });
      await t.publish(textMessage('nowhere'), { exchange, routingKey: 'rk.none' });
      expect(await t.queueLength(a)).toBe(0);
    });

    it('counts ready messages over all priority buckets of an undeclared queue', async () => {
      const t = await open();
      const queue = q('len');
      for (const p of [0, 4, 7, 9, 9]) await t.publish(textMessage(`p${p}`, p), { exchange: '', routingKey: queue });
      expect(await t.queueLength(queue)).toBe(5);
    });
  });
}
