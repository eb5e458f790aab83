// Poison messages pushed raw onto the queue: each is dropped (never retried forever), the next good
// message completes, and the worker stays alive with nothing left unacked.
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { buildKombuEnvelope } from './helpers/kombu-envelope';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const MAX_MESSAGE_BYTES = 2_000_000;

let redis: RedisServer;
let probe: RedisProbe;
let worker: CeleriacWorker;

beforeAll(async () => {
  redis = await startRedisServer();
  probe = new RedisProbe(redis.url(1), redis.url(2));
  worker = await startCeleriacWorker({
    brokerUrl: redis.url(1), backendUrl: redis.url(2), concurrency: 2,
    env: { CELERY_WORKER_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) },
  });
});

afterAll(async () => {
  await worker?.stop();
  await probe?.close();
  await killAllChildren();
  await redis?.stop();
});

const poisons: [string, () => { id?: string; json: string }][] = [
  ['non-JSON envelope', () => ({ json: 'this is {not json' })],
  ['body that is not base64', () => buildKombuEnvelope({ literalBody: '%%% not base64 ~~~' })],
  ['body that is not a [args, kwargs, embed] triple', () => buildKombuEnvelope({ rawBody: '[1, 2]' })],
  ['pickle content type', () => buildKombuEnvelope({ contentType: 'application/x-python-serialize', contentEncoding: 'binary',
    rawBody: Buffer.from([0x80, 0x04, 0x95, 0x00, 0x2e]) })],
  ['headers without a task name', () => buildKombuEnvelope({ task: null, args: [1, 2] })],
  ['payload over worker_max_message_bytes', () => buildKombuEnvelope({ task: 'tapp.echo', args: ['z'.repeat(MAX_MESSAGE_BYTES + 10)] })],
];

describe.each(poisons)('poison: %s', (_name, build) => {
  it('is dropped without a SUCCESS result, and the next good message completes', async () => {
    const poison = build();
    const good = buildKombuEnvelope({ task: 'tapp.add', args: [20, 22] });
    await probe.broker.lpush('celery', poison.json);
    await probe.broker.lpush('celery', good.json);
    const meta = await probe.waitForReady(good.id);
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 42 });
    if (poison.id) expect((await probe.meta(poison.id))?.status).not.toBe('SUCCESS');
    await probe.waitForQueueLength('celery', 0);
    await waitUntil(async () => (await probe.unackedCount()) === 0, 'no unacked messages left');
    expect(worker.proc.exited).toBe(false);
  });
});

it('a call with the wrong number of args fails as TypeError and the worker carries on', async () => {
  const bad = buildKombuEnvelope({ task: 'tapp.greet', args: ['a', 'b', 'c'] });
  const good = buildKombuEnvelope({ task: 'tapp.add', args: [1, 2] });
  await probe.broker.lpush('celery', bad.json);
  await probe.broker.lpush('celery', good.json);
  expect(await probe.waitForReady(bad.id)).toMatchObject({ status: 'FAILURE', result: { exc_type: 'TypeError', exc_module: 'builtins' } });
  expect(await probe.waitForReady(good.id)).toMatchObject({ status: 'SUCCESS', result: 3 });
  expect(worker.proc.exited).toBe(false);
});
