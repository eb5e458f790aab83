// A chain, a group and a chord built in TypeScript (celeriac's canvas builders) are run by a real
// Python worker (Celery 5.6.2); `.get()` in TS returns what Python's would.
import pino from 'pino';
import { Celery } from '../src/app/celery';
import { chain, chord, group } from '../src/app/canvas-signature';
import { createRedisResultBackend, type RedisResultBackend } from '../src/backend/redis-result-backend';
import { createProducer } from '../src/producer/producer';
import { GroupResult } from '../src/producer/group-result';
import { createRedisTransport, type RedisTransport } from '../src/transport/redis/redis-transport';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';

const logger = pino({ level: 'silent' });
let redis: RedisServer;
let worker: PythonWorker;
let transport: RedisTransport;
let backend: RedisResultBackend;
const app = new Celery('ts-canvas');
// Typed stand-ins for the Python tasks (interop-tests/python/canvas_app.py): only their types are used here.
const add = app.task('canvas.add', (x: number, y: number) => x + y);
const tsum = app.task('canvas.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));

beforeAll(async () => {
  redis = await startRedisServer();
  worker = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), appModule: 'canvas_app', pool: 'solo', queues: ['celery'] });
  transport = createRedisTransport(redis.url(1), {}, logger);
  await transport.connect();
  backend = createRedisResultBackend(redis.url(2), {}, logger);
  await backend.connect();
  app.useProducer(createProducer({ transport, backend, logger }));
});

afterAll(async () => {
  app.useProducer(null);
  await worker?.stop();
  await killAllChildren();
  await transport?.close();
  await backend?.close();
  await redis?.stop();
});

describe('canvas built in TS, run by a Python worker', () => {
  it('chain(add.s(1, 2), add.s(3), add.si(4, 4)): the last result, parents readable', async () => {
    const result = await chain(add.s(1, 2), add.s(3), add.si(4, 4)).applyAsync();
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toBe(8);
    await expect(result.parent?.get({ timeoutMs: 30_000 })).resolves.toBe(6);
    await expect(result.parent?.parent?.get({ timeoutMs: 30_000 })).resolves.toBe(3);
  });

  it('group(add.s(1, 1), add.s(2, 2)): a GroupResult of both', async () => {
    const result = await group(add.s(1, 1), add.s(2, 2)).applyAsync();
    expect(result).toBeInstanceOf(GroupResult);
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toEqual([2, 4]);
  });

  it('chord([add.s(1, 1), add.s(2, 2)], tsum.s()): the body sums the header (chord counter on Redis)', async () => {
    const result = await chord([add.s(1, 1), add.s(2, 2)], tsum.s()).applyAsync();
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toBe(6);
  });

  it('chain(add.s(1, 1), group(add.s(2), add.s(3)), tsum.s()): group | task upgraded to a chord, as Python', async () => {
    const result = await chain(add.s(1, 1), group(add.s(2), add.s(3)), tsum.s()).applyAsync();
    await expect(result.get({ timeoutMs: 30_000 })).resolves.toBe(9);
  });
});
