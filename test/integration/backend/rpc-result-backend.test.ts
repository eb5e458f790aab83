// Celery's rpc:// result backend on a private rabbitmq-server, beyond the contract: what a reply looks
// like on the wire, a reply queue that is gone, and a client that loses its connection.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import '../../../src/transport/amqp/amqp-long-int-tag';
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import pino from 'pino';
import { createRpcResultBackend } from '../../../src/backend/rpc/create-rpc-result-backend';
import type { RpcResultBackend } from '../../../src/backend/rpc/rpc-result-backend';
import { buildMeta } from '../../contract/result-backend-contract';
import { startRabbitMqServer, type RabbitMqServer } from '../../helpers/rabbitmq-server';

jest.setTimeout(120_000);

let rabbit: RabbitMqServer;
let raw: ChannelModel;
const open: RpcResultBackend[] = [];
beforeAll(async () => {
  rabbit = await startRabbitMqServer();
  raw = await connect(rabbit.url());
  raw.on('error', () => undefined); // the last test severs every connection, this one's too
}, 120_000);
afterAll(async () => {
  for (const b of open) await b.close();
  await raw?.close().catch(() => undefined);
  await rabbit?.stop();
}, 60_000);

/** A pino logger whose records are also emitted as 'log' events (to wait for one). */
function capturingLogger(): { logger: pino.Logger; events: EventEmitter } {
  const events = new EventEmitter();
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line) events.emit('log', JSON.parse(line)); done(); } });
  return { logger: pino({ level: 'info' }, stream), events };
}

function backend(extra: { persistent?: boolean; logger?: pino.Logger } = {}): RpcResultBackend {
  const b = createRpcResultBackend({ resultBackend: 'rpc://', brokerUrl: rabbit.url('amqp'), brokerTransportOptions: { max_retry_interval_sec: 1 },
    resultExpiresSec: 86400, persistent: extra.persistent ?? false }, extra.logger ?? pino({ level: 'silent' }));
  open.push(b);
  return b;
}

/** Declares `queue` exactly as kombu declares Celery's binding (durable False, auto_delete, x-expires 1 day) and returns its first message. */
async function firstMessageOn(queue: string): Promise<{ message: Promise<ConsumeMessage>; close: () => Promise<void> }> {
  const ch = await raw.createChannel();
  await ch.assertQueue(queue, { durable: false, autoDelete: true, arguments: { 'x-expires': 86_400_000 } });
  const message = new Promise<ConsumeMessage>((resolve) => { void ch.consume(queue, (m) => { if (m) resolve(m); }, { noAck: true }); });
  return { message, close: () => ch.close() };
}

it('publishes a reply as kombu does: default exchange, routing key reply_to, correlation id, json, transient, priority 0, no headers', async () => {
  const worker = backend();
  await worker.connect();
  const { message, close } = await firstMessageOn('wire-client-1');
  expect(await worker.storeResult(buildMeta('task-1', 'SUCCESS', { x: 1 }), { replyTo: 'wire-client-1', correlationId: 'task-1' })).toBe(true);
  const m = await message;
  expect(m.fields).toMatchObject({ exchange: '', routingKey: 'wire-client-1' });
  expect(m.properties).toMatchObject({ correlationId: 'task-1', contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1, priority: 0, headers: {} });
  expect(m.content.toString()).toBe('{"task_id": "task-1", "status": "SUCCESS", "result": {"x": 1}, "traceback": null, "children": []}');
  await close();
});

it('sends persistent replies (delivery_mode 2) with result_persistent', async () => {
  const worker = backend({ persistent: true });
  const { message, close } = await firstMessageOn('wire-client-2');
  await worker.storeResult(buildMeta('task-2', 'SUCCESS', 2), { replyTo: 'wire-client-2' });
  expect((await message).properties.deliveryMode).toBe(2);
  await close();
});

it('drops a reply to a queue that no longer exists without an error, and keeps sending', async () => {
  const worker = backend();
  const client = backend();
  await client.startConsuming();
  expect(await worker.storeResult(buildMeta('gone-1', 'SUCCESS', 1), { replyTo: 'no-such-client-queue' })).toBe(true);
  const waiting = client.waitForResult('after-gone', 10_000);
  await worker.storeResult(buildMeta('after-gone', 'SUCCESS', 'still here'), { replyTo: client.replyQueue });
  await expect(waiting).resolves.toMatchObject({ result: 'still here' });
});

it('declares the client reply queue with the arguments of Celery\'s binding (a kombu-equal redeclare passes, a durable one is refused with 406)', async () => {
  const client = backend();
  await client.startConsuming();
  const ch = await raw.createChannel();
  await expect(ch.assertQueue(client.replyQueue, { durable: false, autoDelete: true, arguments: { 'x-expires': 86_400_000 } }))
    .resolves.toMatchObject({ queue: client.replyQueue, consumerCount: 1 });
  const strict = await raw.createChannel();
  strict.on('error', () => undefined);
  await expect(strict.assertQueue(client.replyQueue, { durable: true })).rejects.toThrow(/PRECONDITION_FAILED/);
  await ch.close();
});

it('declares and consumes its reply queue again when the broker cancels the consumer (the queue was deleted)', async () => {
  const { logger, events } = capturingLogger();
  const client = backend({ logger });
  const worker = backend();
  await client.startConsuming();
  const again = new Promise<void>((resolve) => events.on('log', (r: { msg?: string }) => { if (r.msg === 'reply queue consumed again') resolve(); }));
  const ch = await raw.createChannel();
  await ch.deleteQueue(client.replyQueue);
  await again;
  const waiting = client.waitForResult('after-delete', 10_000);
  await worker.storeResult(buildMeta('after-delete', 'SUCCESS', 'back'), { replyTo: client.replyQueue });
  await expect(waiting).resolves.toMatchObject({ result: 'back' });
  await ch.close();
});

it('consumes its reply queue again after the connection is lost, and gets the replies sent after that', async () => {
  const { logger, events } = capturingLogger();
  const client = backend({ logger });
  const worker = backend();
  await client.startConsuming();
  const restored = new Promise<void>((resolve) => events.on('log', (r: { msg?: string }) => { if (r.msg === 'broker connection restored') resolve(); }));
  await rabbit.closeAllConnections();
  await restored;
  const waiting = client.waitForResult('after-reconnect', 10_000);
  await worker.storeResult(buildMeta('after-reconnect', 'SUCCESS', 42), { replyTo: client.replyQueue });
  await expect(waiting).resolves.toMatchObject({ result: 42 });
});
