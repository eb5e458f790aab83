import type { KombuMessage } from '../../src/protocol/kombu-message';
import type { Consumer, Delivery, FanoutMessage, Transport } from '../../src/transport/transport';

/** A broker under test: `open()` gives a new transport (its own connections) to the same broker. */
export interface TransportHarness {
  open(): Transport;
  dispose(): Promise<void>;
}

/** A message with a text body and an optional priority. */
export function textMessage(text: string, priority?: number, headers: Record<string, unknown> = {}): KombuMessage {
  return {
    body: Buffer.from(text, 'utf8'),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { id: text.slice(0, 40), ...headers },
    properties: priority === undefined ? { delivery_mode: 2 } : { delivery_mode: 2, priority },
  };
}

/** Collects deliveries and lets a test wait for the n-th one (an event, not a sleep). */
export class DeliveryLog {
  readonly items: Delivery[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  readonly push = (d: Delivery): void => {
    this.items.push(d);
    this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
  };

  /** Resolves once `n` deliveries arrived in total; fails after `ms`. */
  until(n: number, ms = 5000): Promise<Delivery[]> {
    if (this.items.length >= n) return Promise.resolve(this.items.slice(0, n));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.items.length} of ${n} deliveries arrived`)), ms);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(this.items.slice(0, n)); } });
    });
  }

  bodies(): string[] {
    return this.items.map((d) => d.message.body.toString('utf8'));
  }
}

/** Runs the shared Transport contract against one implementation. */
export function describeTransportContract(name: string, createHarness: () => Promise<TransportHarness>): void {
  describe(`Transport contract: ${name}`, () => {
    let harness: TransportHarness;
    let opened: Transport[] = [];
    let seq = 0;
    const q = (label: string): string => `contract.${label}.${process.pid}.${++seq}`;
    const open = async (): Promise<Transport> => {
      const t = harness.open();
      opened.push(t);
      await t.connect();
      return t;
    };
    const consume = async (t: Transport, queues: string[], prefetch = 0): Promise<{ log: DeliveryLog; consumer: Consumer }> => {
      const log = new DeliveryLog();
      return { log, consumer: await t.consume(queues, prefetch, log.push) };
    };

    beforeAll(async () => { harness = await createHarness(); });
    afterAll(async () => { await harness.dispose(); });
    afterEach(async () => {
      await Promise.all(opened.map((t) => t.close()));
      opened = [];
    });

    it('delivers one queue in FIFO order', async () => {
      const t = await open();
      const queue = q('fifo');
      for (let i = 0; i < 5; i++) await t.publish(textMessage(`m${i}`), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue]);
      await log.until(5);
      expect(log.bodies()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect(log.items.every((d) => d.queue === queue && !d.redelivered && d.route.routingKey === queue)).toBe(true);
    });

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

    it('purge deletes the ready messages of one queue at every priority and says how many; unsettled ones stay', async () => {
      const t = await open();
      const queue = q('purge');
      const other = q('purge-other');
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

    it('never has more than prefetch unsettled; setPrefetch raises and lowers the bound', async () => {
      const t = await open();
      const queue = q('prefetch');
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

    it('ack removes for good and reject(false) drops: nothing comes back at close', async () => {
      const t = await open();
      const queue = q('ack');
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

    it('reject(true) puts the message back behind the others, flagged redelivered', async () => {
      const t = await open();
      const queue = q('requeue');
      await t.publish(textMessage('m1'), { exchange: '', routingKey: queue });
      await t.publish(textMessage('m2'), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue], 1);
      const [m1] = await log.until(1);
      expect(m1?.redelivered).toBe(false);
      await m1?.reject(true);
      await log.until(2);
      await log.items[1]?.ack();
      const [, m2, back] = await log.until(3);
      expect([m2?.message.body.toString(), back?.message.body.toString()]).toEqual(['m2', 'm1']);
      expect(back?.redelivered).toBe(true);
      expect(back?.deliveryTag).toBe(m1?.deliveryTag);
      expect(back?.message.headers.redelivered).toBe(true);
    });

    it('close() gives every unsettled delivery back, flagged redelivered', async () => {
      const t = await open();
      const queue = q('close');
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

    it('addQueue starts and cancelQueue stops consuming a queue', async () => {
      const t = await open();
      const [a, b] = [q('add-a'), q('add-b')];
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
      const [a, b] = [q('bind-a'), q('bind-b')];
      const exchange = q('ex');
      await t.declareQueue(a, { exchange, routingKey: 'rk.a' });
      await t.declareQueue(b, { exchange, routingKey: 'rk.b' });
      await t.publish(textMessage('x'), { exchange, routingKey: 'rk.b' });
      await t.publish(textMessage('nowhere'), { exchange, routingKey: 'rk.none' });
      expect([await t.queueLength(a), await t.queueLength(b)]).toEqual([0, 1]);
      const { log } = await consume(t, [b]);
      const [d] = await log.until(1);
      expect(d?.route).toEqual({ exchange, routingKey: 'rk.b' });
    });

    it('fans out to matching pattern subscriptions with exchange and routing key', async () => {
      const t = await open();
      const exchange = q('fan');
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

    it('counts ready messages over all priority buckets', async () => {
      const t = await open();
      const queue = q('len');
      expect(await t.queueLength(queue)).toBe(0);
      for (const p of [0, 4, 7, 9, 9]) await t.publish(textMessage(`p${p}`, p), { exchange: '', routingKey: queue });
      expect(await t.queueLength(queue)).toBe(5);
    });

    it('carries a 1 MB body and unicode text intact', async () => {
      const t = await open();
      const queue = q('big');
      const big = Buffer.alloc(1024 * 1024, 0);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      await t.publish({ ...textMessage('big'), body: big, contentType: 'application/octet-stream', contentEncoding: 'binary' }, { exchange: '', routingKey: queue });
      const text = 'héllo wörld ✓ 日本語 🎉';
      await t.publish(textMessage(text, undefined, { note: text }), { exchange: '', routingKey: queue });
      const { log } = await consume(t, [queue]);
      const [d1, d2] = await log.until(2);
      expect(d1?.message.body.equals(big)).toBe(true);
      expect(d1?.message.contentType).toBe('application/octet-stream');
      expect(d2?.message.body.toString('utf8')).toBe(text);
      expect(d2?.message.headers.note).toBe(text);
    });
  });
}
