import pino from 'pino';
import { TransportError } from '../../src/errors/celeriac-error';
import { createAmqpTransport } from '../../src/transport/amqp/amqp-transport';
import { amqpTransportOptionsSchema } from '../../src/transport/amqp/amqp-transport-options';
import { startRabbitMqServer, type RabbitMqServer } from '../helpers/rabbitmq-server';
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
}, { severConnections: true });

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
