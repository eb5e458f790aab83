// celeriac plays the worker for Python-produced messages (retry, chord header) and a real Python
// worker runs what celeriac publishes: the retry message and the chord body.
import Redis from 'ioredis';
import pino from 'pino';
import { RedisChordStore } from '../src/backend/chord/redis-chord-store';
import { createRedisResultBackend, type RedisResultBackend } from '../src/backend/redis-result-backend';
import { buildRetryMessage } from '../src/canvas/build-retry-message';
import { buildSignatureMessage, type PlannedMessage } from '../src/canvas/build-signature-message';
import { parseSignature } from '../src/canvas/signature';
import { messagesOf } from '../src/canvas/canvas-result';
import { planFailureFollowUps, planSuccessFollowUps } from '../src/canvas/plan-follow-ups';
import { AsyncResult } from '../src/producer/async-result';
import { decodeTaskMessage } from '../src/protocol/decode-task-message';
import type { TaskMessage } from '../src/protocol/task-message';
import { createRedisTransport, type RedisTransport } from '../src/transport/redis/redis-transport';
import type { Delivery } from '../src/transport/transport';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { celeryEnv, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';

const logger = pino({ level: 'silent' });
const decode = (d: Delivery): TaskMessage => decodeTaskMessage(d.message, { accept: ['json'], maxBodyBytes: 1 << 20 });
let redis: RedisServer;
let transport: RedisTransport;
let backend: RedisResultBackend;
let results: Redis;
let worker: PythonWorker;
let env: Record<string, string>;
let retrySource: Delivery;
let chordHeader: Delivery[];
let chordBodyId: string;

/** Takes `count` deliveries from `queues` with a real consumer, then stops it. */
async function take(queues: string[], count: number): Promise<Delivery[]> {
  const got: Delivery[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => { done = resolve; });
  const consumer = await transport.consume(queues, 0, (d) => {
    got.push(d);
    if (got.length === count) done();
  });
  await enough;
  await consumer.stop();
  return got;
}

beforeAll(async () => {
  redis = await startRedisServer();
  env = celeryEnv(redis.url(1), redis.url(2));
  transport = createRedisTransport(redis.url(1), {}, logger);
  await transport.connect();
  backend = createRedisResultBackend(redis.url(2), {}, logger);
  await backend.connect();
  results = new Redis(redis.url(2), { lazyConnect: true });
  await results.connect();
  // Python produces; nobody but celeriac consumes `rq` and `hdr` yet.
  const [retry, chord] = await Promise.all([
    runPythonJson<{ id: string }>('canvas_produce.py', { env, args: ['retry-source', 'rq'] }),
    runPythonJson<{ id: string }>('canvas_produce.py', { env, args: ['chord', 'hdr'] }),
  ]);
  chordBodyId = chord.id;
  [retrySource] = await take(['rq'], 1) as [Delivery];
  expect(decode(retrySource).id).toBe(retry.id);
  chordHeader = await take(['hdr'], 3);
  worker = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), appModule: 'canvas_app', pool: 'solo', queues: ['celery', 'rq'] });
});

afterAll(async () => {
  await worker?.stop();
  await killAllChildren();
  await transport?.close();
  await backend?.close();
  await results?.quit();
  await redis?.stop();
});

it('a retry message built by buildRetryMessage from a Python message is run by the Python worker with retries=1', async () => {
  const msg = decode(retrySource);
  expect(msg.retries).toBe(0);
  const retry = buildRetryMessage(msg, { countdownSec: 0.2, exc: new Error('first delivery'), deliveredVia: retrySource.route }, new Date());
  expect(retry.route).toEqual({ exchange: '', routingKey: 'rq' });
  await transport.publish(retry.message, retry.route);
  await retrySource.ack();
  const value = await new AsyncResult(msg.id, backend).get({ timeoutMs: 60_000 });
  expect(value).toEqual({ value: 7, retries: 1, parent_id: msg.id });
});

it('celeriac records a Python chord header in Redis and publishes the body; Python result.get() returns the body result', async () => {
  const store = new RedisChordStore(results, { expiresSec: 86400 });
  let body: PlannedMessage | undefined;
  for (const delivery of chordHeader) {
    const msg = decode(delivery);
    const [x, y] = msg.args as [number, number];
    expect(msg.group).not.toBeNull();
    const outcome = await store.onChordPartReturn({ group: msg.group as string, groupIndex: msg.groupIndex, taskId: msg.id, state: 'SUCCESS', result: x + y });
    if (outcome.complete) {
      if (!('results' in outcome)) throw new Error(`chord failed: ${JSON.stringify(outcome.error)}`);
      expect(outcome.results).toEqual([2, 4, 6]);
      body = buildSignatureMessage(parseSignature(msg.embed.chord, 'embed.chord'), {
        parent: msg, prependArgs: [outcome.results], now: new Date(), hostname: 'gen1@celeriac', replyTo: msg.replyTo ?? '' });
    }
    await delivery.ack();
  }
  if (!body) throw new Error('the chord never completed');
  expect(body.taskId).toBe(chordBodyId);
  await transport.publish(body.message, body.route);
  const read = await runPythonJson<{ result: number }>('canvas_produce.py', { env, args: ['get', chordBodyId] });
  expect(read.result).toBe(12);
  expect(await results.exists(`celery-taskset-meta-${body.message.headers.group as string}.j`)).toBe(0);
});

describe('follow-up plans executed against a real Python worker', () => {
  const ctx = { now: new Date(), hostname: 'gen1@celeriac', replyTo: 'celeriac-oid' };

  it('success: celeriac runs step 1 of a Python chain, publishes the next step; Python finishes it and chain.get() is right', async () => {
    const chain = await runPythonJson<{ id: string; first: string }>('canvas_produce.py', { env, args: ['chain', 'ts1'] });
    const [delivery] = await take(['ts1'], 1) as [Delivery];
    const msg = decode(delivery);
    expect(msg.id).toBe(chain.first);
    const value = (msg.args as number[]).reduce((a, b) => a + b, 0);
    const plan = planSuccessFollowUps(msg, value, { ...ctx, now: new Date() });
    for (const m of messagesOf(plan.effects)) await transport.publish(m.message, m.route);
    await backend.storeResult({ taskId: msg.id, status: 'SUCCESS', result: value, traceback: null, children: plan.children, dateDone: new Date() });
    await delivery.ack();
    expect((await runPythonJson<{ result: number }>('canvas_produce.py', { env, args: ['get', chain.id] })).result).toBe(7);
  });

  it('failure: remaining chain steps marked FAILURE (Python chain.get() raises KeyError) and the errback runs on Python', async () => {
    const chain = await runPythonJson<{ id: string; first: string; middle: string }>('canvas_produce.py', { env, args: ['failchain', 'ts2'] });
    const [delivery] = await take(['ts2'], 1) as [Delivery];
    const msg = decode(delivery);
    const exception = { excType: 'KeyError', excMessage: ['c'], excModule: 'builtins' };
    const plan = planFailureFollowUps(msg, { ...ctx, now: new Date() });
    expect(plan.chainFailures.map((f) => f.taskId).sort()).toEqual([chain.id, chain.middle].sort());
    for (const id of [msg.id, ...plan.chainFailures.map((f) => f.taskId)]) {
      await backend.storeResult({ taskId: id, status: 'FAILURE', result: exception, traceback: null, children: [], dateDone: new Date() });
    }
    for (const m of messagesOf(plan.errbacks)) await transport.publish(m.message, m.route);
    await delivery.ack();
    const raised = await runPythonJson<{ type: string; args: string[] }>('canvas_produce.py', { env, args: ['get-error', chain.id] });
    expect(raised).toEqual({ type: 'KeyError', args: ['c'] });
    const errback = messagesOf(plan.errbacks)[0];
    if (!errback) throw new Error('no errback planned');
    await expect(new AsyncResult(errback.taskId, backend).get({ timeoutMs: 30_000 })).resolves.toBe(`errback saw ${msg.id}`);
  });
});
