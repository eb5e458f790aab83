// A celeriac producer's messages are run by a real Python worker; results are read back from TS.
import pino from 'pino';
import { createRedisResultBackend, type RedisResultBackend } from '../src/backend/redis-result-backend';
import { buildSignatureWire } from '../src/canvas/signature';
import { createProducer, type Producer } from '../src/producer/producer';
import { createRedisTransport, type RedisTransport } from '../src/transport/redis/redis-transport';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';

const logger = pino({ level: 'silent' });
let redis: RedisServer;
let worker: PythonWorker;
let transport: RedisTransport;
let backend: RedisResultBackend;
let producer: Producer;

beforeAll(async () => {
  redis = await startRedisServer();
  worker = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), appModule: 'canvas_app', pool: 'solo', queues: ['celery', 'pyq'] });
  transport = createRedisTransport(redis.url(1), {}, logger);
  await transport.connect();
  backend = createRedisResultBackend(redis.url(2), {}, logger);
  await backend.connect();
  producer = createProducer({ transport, backend, logger, conf: { task_routes: { 'canvas.echo': 'pyq' } } });
});

afterAll(async () => {
  await worker?.stop();
  await killAllChildren();
  await transport?.close();
  await backend?.close();
  await redis?.stop();
});

describe('TS producer → Python worker → AsyncResult.get() in TS', () => {
  it('sendTask by name returns the Python result', async () => {
    const result = await producer.sendTask('canvas.add', [2, 3]);
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toBe(5);
    await expect(result.state()).resolves.toBe('SUCCESS');
  });

  it('task_routes sends canvas.echo to pyq; kwargs, non-ASCII and headers survive', async () => {
    const result = await producer.sendTask('canvas.echo', ['é✓😀'], { k: [1, { n: null }] }, { headers: { 'x-trace': 'abc' } });
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toEqual([['é✓😀'], { k: [1, { n: null }] }]);
  });

  it('a Python failure rejects get() with an Error named KeyError', async () => {
    const result = await producer.sendTask('canvas.fail', ['missing']);
    await expect(result.get({ timeoutMs: 30_000 })).rejects.toMatchObject({ name: 'KeyError', message: 'missing', pythonModule: 'builtins' });
    await expect(result.ready()).resolves.toBe(true);
  });

  it('link and link_error built in TS are applied by the Python worker', async () => {
    const result = await producer.sendTask('canvas.add', [2, 3], {}, {
      link: buildSignatureWire('canvas.add', { args: [10], options: { task_id: `cb-${Date.now()}` } }) });
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toBe(5);
    const meta = await result.meta();
    const callbackId = ((meta?.children as [[string, null], null][])[0] as [[string, null], null])[0][0];
    await expect(producer.asyncResult(callbackId).get({ timeoutMs: 30_000 })).resolves.toBe(15);

    const errbackId = `eb-${Date.now()}`;
    const failing = await producer.sendTask('canvas.fail', ['x'], {}, { linkError: buildSignatureWire('canvas.on_err', { options: { task_id: errbackId } }) });
    await expect(producer.asyncResult(errbackId).get({ timeoutMs: 30_000 })).resolves.toBe(`errback saw ${failing.id}`);
  });

  it('countdown and expires are honoured by the Python worker', async () => {
    const started = Date.now();
    const delayed = await producer.sendTask('canvas.add', [1, 1], {}, { countdown: 1 });
    await expect(delayed.get({ timeoutMs: 30_000 })).resolves.toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const expired = await producer.sendTask('canvas.add', [1, 1], {}, { expires: new Date(Date.now() - 60_000) });
    await expect(expired.get({ timeoutMs: 30_000 })).rejects.toMatchObject({ name: 'TaskRevokedError' });
  });
});
