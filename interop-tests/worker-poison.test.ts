// Poison messages pushed raw onto the queue: each ends in the poison queue (never retried forever,
// never vanished), a FAILURE is stored whenever its id can be read, the next good message completes,
// and the worker stays alive with nothing left unacked.
import { readFileSync } from 'node:fs';
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

/** Hand-edits a good envelope: the damage a broken producer or a hostile client can do. */
function damaged(edit: (env: Record<string, unknown> & { properties: Record<string, unknown> }) => void): () => { id: string; json: string } {
  return () => {
    const good = buildKombuEnvelope({ task: 'tapp.add', args: [1, 1] });
    const env = JSON.parse(good.json) as Record<string, unknown> & { properties: Record<string, unknown> };
    edit(env);
    return { id: good.id, json: JSON.stringify(env) };
  };
}

/** `{"a": {"a": ... 999 levels}}`: deeper than Redis' cjson decodes (1000). */
function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

const poisons: [string, () => { id?: string; json: string }][] = [
  ['non-JSON envelope', () => ({ json: 'this is {not json' })],
  ['non-JSON envelope with a readable id', () => ({ id: 'id-in-garbage-1', json: '{"headers": {"id": "id-in-garbage-1", "task": "tapp.add"}, oops' })],
  ['body that is not base64', () => buildKombuEnvelope({ literalBody: '%%% not base64 ~~~' })],
  ['body_encoding other than base64', damaged((env) => { env.properties.body_encoding = 'hex'; })],
  ['no properties.delivery_tag', damaged((env) => { delete env.properties.delivery_tag; })],
  ['no properties at all', damaged((env) => { delete (env as Partial<typeof env>).properties; })],
  ['a body that is not a string', damaged((env) => { env.body = 42; })],
  ['headers that are not an object', damaged((env) => { env.headers = ['id', 'x']; })],
  ['headers nested 999 levels deep', damaged((env) => { (env.headers as Record<string, unknown>).x_deep = deep(999); })],
  ['body that is not a [args, kwargs, embed] triple', () => buildKombuEnvelope({ rawBody: '[1, 2]' })],
  ['pickle content type', () => buildKombuEnvelope({ contentType: 'application/x-python-serialize', contentEncoding: 'binary',
    rawBody: Buffer.from([0x80, 0x04, 0x95, 0x00, 0x2e]) })],
  ['headers without a task name', () => buildKombuEnvelope({ task: null, args: [1, 2] })],
  ['payload over worker_max_message_bytes', () => buildKombuEnvelope({ task: 'tapp.echo', args: ['z'.repeat(MAX_MESSAGE_BYTES + 10)] })],
];

describe.each(poisons)('poison: %s', (_name, build) => {
  it('ends in the poison queue with a FAILURE stored when its id is readable, and the next good message completes', async () => {
    const poison = build();
    const good = buildKombuEnvelope({ task: 'tapp.add', args: [20, 22] });
    const before = await probe.queueLength('celeriac.poison');
    await probe.broker.lpush('celery', poison.json);
    await probe.broker.lpush('celery', good.json);
    const meta = await probe.waitForReady(good.id);
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 42 });
    if (poison.id) {
      const failed = await probe.waitForReady(poison.id);
      expect(failed.status).toBe('FAILURE');
      expect(['InvalidTaskError', 'ContentDisallowed']).toContain((failed.result as { exc_type: string }).exc_type);
    }
    await probe.waitForQueueLength('celeriac.poison', before + 1);
    await probe.waitForQueueLength('celery', 0);
    await waitUntil(async () => (await probe.unackedCount()) === 0, 'no unacked messages left');
    expect(worker.proc.exited).toBe(false);
  });
});

it('a burst of oversized messages is refused unread: bounded memory, and the good task behind it runs at once', async () => {
  // 12 x 10 MiB against a 2 MB limit: decoding them all would take the worker past ~500 MiB.
  const body = Buffer.from(JSON.stringify([['x'.repeat(10 * 1024 * 1024)], {}, {}])).toString('base64');
  const ids: string[] = [];
  let last = '';
  const before = await probe.queueLength('celeriac.poison');
  for (let i = 0; i < 12; i++) {
    const m = buildKombuEnvelope({ task: 'tapp.echo', literalBody: 'BODY' });
    ids.push(m.id);
    last = m.json.replace('"BODY"', `"${body}"`);
    await probe.broker.lpush('celery', last);
  }
  const good = buildKombuEnvelope({ task: 'tapp.add', args: [2, 3] });
  await probe.broker.lpush('celery', good.json);
  expect(await probe.waitForReady(good.id)).toMatchObject({ status: 'SUCCESS', result: 5 });
  for (const id of ids) expect((await probe.waitForReady(id)).status).toBe('FAILURE');
  await probe.waitForQueueLength('celeriac.poison', before + 12);
  const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1]);
  expect(peakKiB).toBeGreaterThan(0);
  expect(peakKiB).toBeLessThan(300 * 1024);
  // Moved byte for byte: nothing is lost, an operator can still read or requeue it.
  expect(await probe.broker.lindex('celeriac.poison', 0)).toBe(last);
  await probe.broker.del('celeriac.poison');
  expect(worker.proc.exited).toBe(false);
}, 60000);

it('a call with the wrong number of args fails as TypeError and the worker carries on', async () => {
  const bad = buildKombuEnvelope({ task: 'tapp.greet', args: ['a', 'b', 'c'] });
  const good = buildKombuEnvelope({ task: 'tapp.add', args: [1, 2] });
  await probe.broker.lpush('celery', bad.json);
  await probe.broker.lpush('celery', good.json);
  expect(await probe.waitForReady(bad.id)).toMatchObject({ status: 'FAILURE', result: { exc_type: 'TypeError', exc_module: 'builtins' } });
  expect(await probe.waitForReady(good.id)).toMatchObject({ status: 'SUCCESS', result: 3 });
  expect(worker.proc.exited).toBe(false);
});
