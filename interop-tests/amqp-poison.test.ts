// Poison on RabbitMQ, as worker-poison.test.ts on Redis: messages published raw with amqplib (what a broken
// producer or a hostile client can put on a queue) each end in the poison queue (celeriac.poison) byte for byte,
// never retried forever, never vanished; a FAILURE is stored whenever a task id can be read, the good message
// behind each completes, the worker stays alive, and nothing is left ready or unacked on the task queue.
import { spawn } from 'node:child_process';
import '../src/transport/amqp/amqp-long-int-tag'; // before amqplib loads, as the transport does
import { connect, type ChannelModel, type Options } from 'amqplib';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { CELERIAC_BIN, startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren, trackChild, waitForExit } from './helpers/child-registry';
import { buildKombuEnvelope } from './helpers/kombu-envelope';
import { REPO_ROOT } from './helpers/python';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const QUEUE = 'amqp.poison';
const POISON_QUEUE = 'celeriac.poison';
const MAX_MESSAGE_BYTES = 100_000;

let rabbit: RabbitMqServer;
let redis: RedisServer;
let amqp: ChannelModel;
let probe: RedisProbe;
let worker: CeleriacWorker;
/** Every poison body published, to compare with what the poison queue holds at the end. */
const sentBodies: string[] = [];

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  probe = new RedisProbe(redis.url(2), redis.url(2));
  worker = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), queues: [QUEUE], concurrency: 2,
    env: { CELERY_WORKER_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) } });
  amqp = await connect(rabbit.url());
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await amqp?.close().catch(() => undefined);
  await probe?.close();
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

/** One raw AMQP message: body bytes and basic properties, as they reach the broker. */
interface RawMessage { id?: string; body: Buffer; options: Options.Publish }

/** A good protocol-2 message (what Python's producer sends over py-amqp), taken apart from the kombu envelope helper. */
function good(parts: Parameters<typeof buildKombuEnvelope>[0] = {}): RawMessage {
  const built = buildKombuEnvelope({ task: 'tapp.add', args: [20, 22], queue: QUEUE, ...parts });
  const env = JSON.parse(built.json) as { body: string; 'content-type': string; 'content-encoding': string; headers: Record<string, unknown>;
    properties: { correlation_id: string; reply_to: string } };
  return { id: built.id, body: Buffer.from(env.body, 'base64'), options: { contentType: env['content-type'], contentEncoding: env['content-encoding'],
    headers: env.headers, correlationId: env.properties.correlation_id, replyTo: env.properties.reply_to, deliveryMode: 2 } };
}
/** A good message edited the way a broken producer would. */
function damaged(edit: (m: RawMessage) => void, keepId = true): () => RawMessage {
  return () => {
    const m = good({ args: [1, 1] });
    edit(m);
    if (!keepId) delete m.id;
    return m;
  };
}

const poisons: [string, () => RawMessage][] = [
  ['a body that is not JSON', damaged((m) => { m.body = Buffer.from('this is {not json'); })],
  ['a body that is not UTF-8', damaged((m) => { m.body = Buffer.from([0xff, 0xfe, 0x5b, 0x80, 0x5d]); })],
  ['a pickle body (application/x-python-serialize)', damaged((m) => {
    m.body = Buffer.from([0x80, 0x04, 0x95, 0x00, 0x2e]);
    m.options.contentType = 'application/x-python-serialize';
    m.options.contentEncoding = 'binary';
  })],
  ['a content type nobody accepts (text/plain)', damaged((m) => { m.options.contentType = 'text/plain'; })],
  ['no content type at all', damaged((m) => { delete m.options.contentType; delete m.options.contentEncoding; })],
  ['no headers at all', damaged((m) => { delete m.options.headers; }, false)],
  ['headers without a task name', damaged((m) => { delete (m.options.headers as Record<string, unknown>).task; })],
  ['a body that is not an [args, kwargs, embed] triple', damaged((m) => { m.body = Buffer.from('[1, 2]'); })],
  ['a compression header over an uncompressed body', damaged((m) => { (m.options.headers as Record<string, unknown>).compression = 'application/x-gzip'; })],
  ['a body over worker_max_message_bytes', () => {
    const m = good({ task: 'tapp.echo', args: ['z'.repeat(MAX_MESSAGE_BYTES + 10)] });
    (m.options.headers as Record<string, unknown>).argsrepr = "('zzz...',)"; // Celery truncates argsrepr (1024 chars)
    return m;
  }],
];

async function publish(m: RawMessage): Promise<void> {
  const ch = await amqp.createConfirmChannel();
  try {
    ch.publish('', QUEUE, m.body, { ...m.options, mandatory: true });
    await ch.waitForConfirms();
  } finally {
    await ch.close();
  }
}

/** Ready messages in a queue (0 while it does not exist yet). */
async function readyCount(queue: string): Promise<number> {
  const ch = await amqp.createChannel();
  ch.on('error', () => undefined); // a 404 for a queue not declared yet closes this channel
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } catch {
    return 0;
  } finally {
    await ch.close().catch(() => undefined);
  }
}

describe.each(poisons)('poison: %s', (_name, build) => {
  it('ends in the poison queue with a FAILURE stored when its id is readable, and the next good message completes', async () => {
    const poison = build();
    const next = good();
    const before = await readyCount(POISON_QUEUE);
    sentBodies.push(poison.body.toString('base64'));
    await publish(poison);
    await publish(next);
    expect(await probe.waitForReady(next.id as string)).toMatchObject({ status: 'SUCCESS', result: 42 });
    if (poison.id) {
      const failed = await probe.waitForReady(poison.id);
      expect(failed.status).toBe('FAILURE');
      expect(['InvalidTaskError', 'ContentDisallowed']).toContain((failed.result as { exc_type: string }).exc_type);
    }
    await waitUntil(async () => ((await readyCount(POISON_QUEUE)) === before + 1 ? true : undefined), 'the poison copy');
    expect(worker.proc.exited).toBe(false);
  });
});

it('leaves nothing ready or unacked on the task queue; `celeriac dlq list` shows every poison message, kept byte for byte', async () => {
  const rows = JSON.parse(await rabbit.ctl('list_queues', '-q', 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json')) as
    Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
  expect(rows.find((r) => r.name === QUEUE)).toMatchObject({ messages_ready: 0, messages_unacknowledged: 0 });
  const child = trackChild(spawn(process.execPath, [CELERIAC_BIN, 'dlq', 'list', POISON_QUEUE, '--json', '-t', '3'],
    { cwd: REPO_ROOT, env: { ...process.env, CELERY_BROKER_URL: rabbit.url('amqp') } }));
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString(); });
  expect((await waitForExit(child)).code).toBe(0);
  const listed = JSON.parse(stdout) as Array<{ id: string | null; originalQueue: string | null; reason: string | null }>;
  expect(listed).toHaveLength(poisons.length);
  expect(listed.every((e) => e.originalQueue === QUEUE && typeof e.reason === 'string' && e.reason.startsWith('CELERIAC_'))).toBe(true);
  // The list gave every message back: take them and compare with what was published.
  const ch = await amqp.createChannel();
  const kept: string[] = [];
  try {
    for (let m = await ch.get(POISON_QUEUE, { noAck: true }); m; m = await ch.get(POISON_QUEUE, { noAck: true })) kept.push(m.content.toString('base64'));
  } finally {
    await ch.close();
  }
  expect(kept.sort()).toEqual([...sentBodies].sort());
  expect(worker.proc.exited).toBe(false);
});
