import pino from 'pino';
import { TransportError } from '../../src/errors/celeriac-error';
import { createAmqpTransport } from '../../src/transport/amqp/amqp-transport';
import { amqpTransportOptionsSchema } from '../../src/transport/amqp/amqp-transport-options';
import { startRabbitMqServer, type RabbitMqServer } from '../helpers/rabbitmq-server';
import { delayedLevelMessages, listConsumers, listQueues, pollBroker } from '../helpers/rabbitmq-stats';
import { formatPythonDatetime } from '../../src/protocol/python-datetime';
import { calculateDelayedRoutingKey } from '../../src/transport/amqp/native-delayed-delivery';
import type { QueueTableSettings } from '../../src/transport/amqp/amqp-queue-table';
import { DeliveryLog, describeTransportContract, textMessage, type TransportHarness } from './transport-contract';

jest.setTimeout(120_000);

// One private rabbitmq-server for the file.
let server: Promise<RabbitMqServer> | undefined;
const rabbit = (): Promise<RabbitMqServer> => (server ??= startRabbitMqServer());
afterAll(async () => { await (await server)?.stop(); }, 60_000);
const options = amqpTransportOptionsSchema.parse({ max_retry_interval_sec: 1 });
const open = (url: string): ReturnType<typeof createAmqpTransport> => createAmqpTransport(url, options, pino({ level: 'silent' }));

describeTransportContract('AmqpTransport (RabbitMQ)', async (): Promise<TransportHarness> => {
  const started = await rabbit();
  return { open: () => open(started.url()), dispose: async () => undefined, severConnections: () => started.closeAllConnections() };
}, { severConnections: true, perConsumerPrefetch: true });

describe('AmqpTransport beyond the contract', () => {
  it('rejects an unroutable publish (mandatory, exchange without a matching binding) with CELERIAC_TRANSPORT_UNROUTABLE, and keeps publishing', async () => {
    const t = open((await rabbit()).url());
    try {
      await t.connect();
      await t.declareQueue('amqp.only.a', { exchange: 'amqp.only.ex', routingKey: 'rk.a' });
      const nowhere = t.publish(textMessage('nowhere'), { exchange: 'amqp.only.ex', routingKey: 'rk.none' });
      await expect(nowhere).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_UNROUTABLE' });
      await t.publish(textMessage('routed'), { exchange: 'amqp.only.ex', routingKey: 'rk.a' });
      expect(await t.queueLength('amqp.only.a')).toBe(1);
      // Except a pidbox reply whose client is gone: dropped, as kombu does.
      await t.publish(textMessage('late reply'), { exchange: 'reply.celery.pidbox', routingKey: 'gone-client-oid' });
    } finally {
      await t.close();
    }
  });

  it('declares the queue a default-exchange publish names, as Celery declares the queue it routes to', async () => {
    const t = open((await rabbit()).url());
    try {
      await t.connect();
      await t.publish(textMessage('early'), { exchange: '', routingKey: 'amqp.only.before-any-worker' });
      expect(await t.queueLength('amqp.only.before-any-worker')).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('after the broker closed a consumer channel (addQueue of a missing queue: 404), consumes its queues on a new one', async () => {
    const t = open((await rabbit()).url());
    try {
      await t.connect();
      const queue = 'amqp.only.kept';
      await t.declareQueue(queue, { exchange: queue, routingKey: queue });
      const log = new DeliveryLog();
      const consumer = await t.consume([queue], 2, log.push);
      await expect(consumer.addQueue('amqp.only.no-such-queue')).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_CONSUME_FAILED' });
      expect(consumer.queues()).toEqual([queue]);
      await t.publish(textMessage('after'), { exchange: '', routingKey: queue });
      const [d] = await log.until(1, 10_000);
      expect(d?.message.body.toString()).toBe('after');
      await d?.ack();
      expect(await t.queueLength(queue)).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('declares x-max-priority when max_priority is set, and RabbitMQ then delivers higher priorities first', async () => {
    const started = await rabbit();
    const t = createAmqpTransport(started.url(), amqpTransportOptionsSchema.parse({ max_priority: 10 }), pino({ level: 'silent' }));
    try {
      await t.connect();
      const queue = 'amqp.only.prio';
      await t.declareQueue(queue, { exchange: queue, routingKey: queue });
      for (const p of [1, 9, 5, 0]) await t.publish(textMessage(`p${p}`, p), { exchange: queue, routingKey: queue });
      const log = new DeliveryLog();
      await t.consume([queue], 0, log.push);
      await log.until(4);
      expect(log.bodies()).toEqual(['p9', 'p5', 'p1', 'p0']);
      for (const d of log.items) await d.ack();
      // The same name declared without the argument is what RabbitMQ refuses (406): the declaration is really there.
      const plain = open(started.url());
      await plain.connect();
      await expect(plain.declareQueue(queue, { exchange: queue, routingKey: queue })).rejects.toThrow(/PRECONDITION_FAILED|inequivalent arg/);
      await plain.close();
    } finally {
      await t.close();
    }
  });

  it('refuses a wrong password with CELERIAC_TRANSPORT_AUTH, without showing it', async () => {
    const started = await rabbit();
    const t = open(`amqp://guest:wrong-s3cret@127.0.0.1:${started.port}//`);
    const failure = await t.connect().then(() => undefined, (err: unknown) => err);
    await t.close();
    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ code: 'CELERIAC_TRANSPORT_AUTH' });
    expect(String((failure as Error).message)).not.toContain('wrong-s3cret');
  });
});

describe('AmqpTransport: quorum queues, per-consumer prefetch, native delayed delivery', () => {
  const withQueues = (queues: QueueTableSettings, extra: Record<string, unknown> = {}): Promise<ReturnType<typeof createAmqpTransport>> =>
    rabbit().then((r) => createAmqpTransport(r.url(), amqpTransportOptionsSchema.parse({ max_retry_interval_sec: 1, ...extra }), pino({ level: 'silent' }), queues));
  const etaIn = (ms: number): Record<string, unknown> => ({ eta: formatPythonDatetime(new Date(Date.now() + ms)) });
  // Quorum queues report their counts through periodic metrics: wait for the expected figures (a
  // broken bound would be just as stable, so this cannot pass by racing it), then compare them.
  const queueSettles = async (server: RabbitMqServer, queue: string, expected: { ready: number; unacked: number }): Promise<void> => {
    let last: unknown;
    await pollBroker(async () => {
      const q = (await listQueues(server)).get(queue);
      last = q && { ready: q.ready, unacked: q.unacked };
      return q?.ready === expected.ready && q.unacked === expected.unacked;
    }, `${queue} at ${JSON.stringify(expected)}`, 20_000).catch(() => undefined);
    expect(last).toEqual(expected);
  };
  const levelsSettle = async (server: RabbitMqServer, expected: Map<number, number>): Promise<void> => {
    let last: Map<number, number> | undefined;
    await pollBroker(async () => {
      last = await delayedLevelMessages(server);
      return JSON.stringify([...last]) === JSON.stringify([...expected]);
    }, 'the delayed levels', 20_000).catch(() => undefined);
    expect(last).toEqual(expected);
  };

  it('declares a task_queues quorum queue (on a single-node broker) and bounds each consumer by a per-consumer qos; setPrefetch applies to consumers started later', async () => {
    const server = await rabbit();
    const t = await withQueues({ task_queues: { 'qos.q1': { queue_arguments: { 'x-queue-type': 'quorum' } }, 'qos.q2': { queue_arguments: { 'x-queue-type': 'quorum' } } } });
    try {
      await t.connect();
      for (const q of ['qos.q1', 'qos.q2']) await t.declareQueue(q, { exchange: q, routingKey: q });
      expect((await listQueues(server)).get('qos.q1')).toMatchObject({ type: 'quorum' });
      for (let i = 0; i < 6; i++) await t.publish(textMessage(`m${i}`), { exchange: '', routingKey: 'qos.q1' });
      const log = new DeliveryLog();
      const consumer = await t.consume(['qos.q1'], 2, log.push);
      await log.until(2, 10_000);
      expect(await listConsumers(server)).toEqual([{ queue: 'qos.q1', prefetchCount: 2 }]);
      await queueSettles(server, 'qos.q1', { ready: 4, unacked: 2 });
      // RabbitMQ applies a per-consumer qos to consumers started after it: the running one keeps 2.
      consumer.setPrefetch(5);
      await log.items[0]?.ack();
      await log.until(3, 10_000);
      await queueSettles(server, 'qos.q1', { ready: 3, unacked: 2 });
      await consumer.addQueue('qos.q2');
      const byQueue = Object.fromEntries((await listConsumers(server)).map((c) => [c.queue, c.prefetchCount]));
      expect(byQueue).toEqual({ 'qos.q1': 2, 'qos.q2': 5 });
    } finally {
      await t.close();
    }
  });

  it('publishes a countdown to a quorum queue on a topic exchange through celery_delayed_27: it waits in a level queue, then arrives with the routing key kombu computes', async () => {
    const server = await rabbit();
    const queue = 'delay.topic';
    const t = await withQueues({ task_queues: { [queue]: { exchange: queue, exchange_type: 'topic', routing_key: queue, queue_arguments: { 'x-queue-type': 'quorum' } } } });
    try {
      await t.connect();
      await t.declareQueue(queue, { exchange: queue, routingKey: queue });
      // Countdown 8: level 3 (8 s) only, long enough for the quorum level's metrics to show it there.
      await t.publish(textMessage('later', undefined, etaIn(8_600)), { exchange: '', routingKey: queue });
      expect(await t.queueLength(queue)).toBe(0);
      await levelsSettle(server, new Map([[3, 1]]));
      const log = new DeliveryLog();
      await t.consume([queue], 1, log.push);
      const [d] = await log.until(1, 20_000);
      expect(d?.message.body.toString()).toBe('later');
      expect(d?.route.routingKey).toBe(calculateDelayedRoutingKey(8, queue));
      await d?.ack();
      // A message without an ETA, and one to a direct exchange, go straight to the queue.
      await t.publish(textMessage('now'), { exchange: '', routingKey: queue });
      await log.until(2, 10_000);
      await log.items[1]?.ack();
    } finally {
      await t.close();
    }
  });

  it('postpones a delivered ETA further than eta_max_hold_sec through the delayed levels (original acked once the copy is confirmed); a near ETA is handed out at once', async () => {
    const server = await rabbit();
    const queue = 'delay.postpone'; // a classic queue on a direct exchange: celeriac binds it to the delivery exchange itself
    const t = await withQueues({}, { eta_max_hold_sec: 2 });
    try {
      await t.connect();
      await t.declareQueue(queue, { exchange: queue, routingKey: queue });
      const log = new DeliveryLog();
      await t.consume([queue], 4, log.push);
      await t.publish(textMessage('far', undefined, etaIn(14_500)), { exchange: queue, routingKey: queue });
      // The copy waits in the levels (8 s, 4 s, 1 s: countdown 13; long enough for quorum metrics to show it), the original is gone.
      await pollBroker(async () => (await delayedLevelMessages(server)).size > 0, 'the postponed copy in a level queue');
      expect(log.items).toHaveLength(0);
      await queueSettles(server, queue, { ready: 0, unacked: 0 });
      await t.publish(textMessage('near', undefined, etaIn(1_000)), { exchange: queue, routingKey: queue });
      const [near] = await log.until(1, 10_000);
      expect(near?.message.body.toString()).toBe('near');
      const [, far] = await log.until(2, 40_000);
      expect(far?.message.body.toString()).toBe('far');
      expect(far?.route.routingKey).toMatch(new RegExp(`^([01]\\.){28}${queue.replace('.', '\\.')}$`));
      expect(far?.message.headers['x-death']).toBeDefined(); // it really went through dead-lettering
      for (const d of log.items) await d.ack();
      await levelsSettle(server, new Map());
    } finally {
      await t.close();
    }
  });
});
