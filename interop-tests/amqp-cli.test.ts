// celeriac's operational commands with an amqp:// broker (a private rabbitmq-server, results in a private
// Redis): status, inspect and control reach a celeriac and a Python (py-amqp) worker over kombu's pidbox
// exchanges; call, purge and result; dlq list/requeue/purge on the dead-letter queue celeriac publishes to.
import { spawn } from 'node:child_process';
import pino from 'pino';
import { createAmqpTransport } from '../src/transport/amqp/amqp-transport';
import { amqpTransportOptionsSchema } from '../src/transport/amqp/amqp-transport-options';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { CELERIAC_BIN, startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren, trackChild, waitForExit } from './helpers/child-registry';
import { REPO_ROOT } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const TS = 'ts-cli@interop';
const PY = 'py-cli@interop';
const DLQ = 'cli.dlq';

let rabbit: RabbitMqServer;
let redis: RedisServer;
let ts: CeleriacWorker;
let py: PythonWorker;
let probe: RedisProbe;
const transport = (): ReturnType<typeof createAmqpTransport> => createAmqpTransport(rabbit.url(), amqpTransportOptionsSchema.parse({}), pino({ level: 'silent' }));

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  probe = new RedisProbe(redis.url(2), redis.url(2));
  [ts, py] = await Promise.all([
    startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), nodeName: TS, queues: ['celery', 'dlqsrc'], concurrency: 2,
      env: { CELERY_TASK_DEAD_LETTER_QUEUE: DLQ } }),
    startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), queues: ['pyq'], nodeName: PY, pool: 'solo', concurrency: 1 }),
  ]);
}, 120_000);

afterAll(async () => {
  await ts?.stop();
  await py?.stop('SIGTERM', 20_000);
  await killAllChildren();
  await probe?.close();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

/** Runs `celeriac ...` on the private broker (stdin not a terminal); resolves with exit status and output. */
async function celeriac(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = trackChild(spawn(process.execPath, [CELERIAC_BIN, ...args], {
    cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CELERY_BROKER_URL: rabbit.url('amqp'), CELERY_RESULT_BACKEND: redis.url(2), ...env },
  }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  child.stdin?.end();
  const { code } = await waitForExit(child);
  return { code, out, err };
}

async function json<T>(args: string[]): Promise<T> {
  const r = await celeriac(args);
  if (r.code !== 0) throw new Error(`celeriac ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as T;
}

async function call(args: string[]): Promise<string> {
  const r = await celeriac(['call', ...args]);
  expect(r).toMatchObject({ code: 0, err: '' });
  return r.out.trim();
}

it('status lists the celeriac and the Python worker; a destination nobody has exits 69', async () => {
  const r = await celeriac(['status', '-t', '3']);
  expect(r.code).toBe(0);
  expect(r.out.split('\n').filter((l) => l.startsWith('->')).sort()).toEqual([`->  ${PY}: OK`, `->  ${TS}: OK`]);
  expect(r.out).toMatch(/\n2 nodes online\.\n$/);
  expect(await celeriac(['status', '-d', 'nobody@nowhere', '-t', '0.5'])).toEqual({ code: 69, out: '', err: 'Error: No nodes replied within time constraint\n' });
}, 60_000);

it('inspect: active_queues, registered and stats (broker reported as amqp on its port) from both workers', async () => {
  const queues = await json<Record<string, Array<{ name: string }>>>(['inspect', 'active_queues', '--json', '-t', '3']);
  expect(queues[TS]?.map((q) => q.name).sort()).toEqual(['celery', 'dlqsrc']);
  expect(queues[PY]?.map((q) => q.name)).toEqual(['pyq']);
  const registered = await celeriac(['inspect', 'registered', '-d', TS, '-t', '3']);
  expect(registered.code).toBe(0);
  expect(registered.out).toContain('\n    * tapp.add\n');
  const stats = await json<Record<string, { broker: Record<string, unknown> }>>(['inspect', 'stats', '-d', `${TS},${PY}`, '--json', '-t', '3']);
  for (const node of [TS, PY]) expect(stats[node]?.broker).toMatchObject({ transport: 'amqp', hostname: '127.0.0.1', port: rabbit.port, virtual_host: '/' });
}, 60_000);

it('control: add_consumer/cancel_consumer change what celeriac consumes; rate_limit and revoke answer from Python too, alike', async () => {
  expect(await celeriac(['control', 'add_consumer', 'cliq2', '-d', TS, '-t', '3'])).toEqual({ code: 0, out: `->  ${TS}: OK\n        add consumer cliq2\n`, err: '' });
  const id = await call(['tapp.add', '--args', '[40, 2]', '-Q', 'cliq2']);
  expect((await probe.waitForReady(id)).result).toBe(42);
  const after = await json<Record<string, Array<{ name: string }>>>(['inspect', 'active_queues', '-d', TS, '--json', '-t', '3']);
  expect(after[TS]?.map((q) => q.name)).toContain('cliq2');
  expect((await celeriac(['control', 'cancel_consumer', 'cliq2', '-d', TS, '-t', '3'])).out).toBe(`->  ${TS}: OK\n        no longer consuming from cliq2\n`);
  const replies = await json<Array<Record<string, { ok?: string; error?: string }>>>(['control', 'rate_limit', 'tapp.add', '7/m', '-d', `${TS},${PY}`, '--json', '-t', '3']);
  expect(Object.assign({}, ...replies)).toEqual({ [TS]: { ok: 'new rate limit set successfully' }, [PY]: { ok: 'new rate limit set successfully' } });
  const revoked = await json<Array<Record<string, { ok?: string }>>>(['control', 'revoke', 'no-such-task-1', '-d', `${TS},${PY}`, '--json', '-t', '3']);
  expect(Object.assign({}, ...revoked)).toEqual({ [TS]: { ok: "tasks {'no-such-task-1'} flagged as revoked" }, [PY]: { ok: "tasks {'no-such-task-1'} flagged as revoked" } });
}, 60_000);

it('purge -f deletes what waits in the queues; result prints a value, and a failure exits 1; rpc:// result is refused by name', async () => {
  for (let i = 0; i < 3; i++) await call(['tapp.add', '--args', `[${i}, 1]`, '-Q', 'purgeq']);
  expect(await celeriac(['purge', '-Q', 'purgeq'])).toMatchObject({ code: 1, err: expect.stringContaining('pass -f to purge without asking') });
  expect(await celeriac(['purge', '-Q', 'purgeq', '-f'])).toEqual({ code: 0, out: 'Purged 3 messages from 1 known task queue.\n', err: '' });
  expect(await celeriac(['purge', '-Q', 'purgeq,nosuchq', '-f'])).toEqual({ code: 0, out: 'No messages purged from 2 queues.\n', err: '' });

  const ok = await call(['tapp.add', '--args', '[20, 22]']);
  expect(await celeriac(['result', ok, '-t', '30'])).toEqual({ code: 0, out: '42\n', err: '' });
  const failed = await call(['tapp.fail_value', '--args', '["out of range"]']);
  expect(await celeriac(['result', failed, '-t', '30'])).toEqual({ code: 1, out: '', err: `task ${failed} failure: ValueError: out of range\n` }); // RangeError is stored as Python's ValueError
  const rpc = await celeriac(['result', ok, '--result-backend', 'rpc://']);
  expect(rpc.code).toBe(1);
  expect(rpc.err).toMatch(/^celeriac: result_backend rpc:\/\/ keeps no results to look up by task id/);
}, 90_000);

it('dlq list shows a task that failed for good; requeue sends it back to its queue (retries 0); purge drops another', async () => {
  const first = await call(['tapp.fail_type', '--args', '["bad input"]', '-Q', 'dlqsrc']);
  const second = await call(['tapp.fail_value', '--args', '["worse input"]', '-Q', 'dlqsrc']);
  await probe.waitForReady(first);
  await probe.waitForReady(second);
  const t = transport();
  try {
    await t.connect();
    // The previous test's failure is there too: 3 in all.
    await waitUntil(async () => ((await t.queueLength(DLQ)) === 3 ? true : undefined), 'the failures in the dead-letter queue');
    const listed = await json<Array<Record<string, unknown>>>(['dlq', 'list', DLQ, '--json', '-t', '5']);
    expect(listed.map((e) => e.id)).toEqual(expect.arrayContaining([first, second]));
    expect(listed).toHaveLength(3);
    expect(listed.find((e) => e.id === first)).toMatchObject({ task: 'tapp.fail_type', originalQueue: 'dlqsrc', reason: 'failed' });
    expect(String(listed.find((e) => e.id === first)?.exception)).toContain('bad input');
    expect(await t.queueLength(DLQ)).toBe(3); // list removes nothing

    // Requeue into a queue nobody consumes now, so the message can be looked at there.
    expect((await celeriac(['control', 'cancel_consumer', 'dlqsrc', '-d', TS, '-t', '3'])).code).toBe(0);
    expect(await celeriac(['dlq', 'requeue', DLQ, '--id', first, '-t', '5'])).toEqual({ code: 0, out: `requeued 1 message(s) from ${DLQ}\n`, err: '' });
    expect(await celeriac(['dlq', 'purge', DLQ, '--id', second, '--id', 'no-such-id', '-t', '5']))
      .toEqual({ code: 1, out: `purged 1 message(s) from ${DLQ}\n`, err: `not found in ${DLQ}: no-such-id\n` });
    expect(await celeriac(['dlq', 'purge', DLQ, '--all', '-t', '5'])).toEqual({ code: 0, out: `purged 1 message(s) from ${DLQ}\n`, err: '' });
    expect(await celeriac(['dlq', 'list', DLQ])).toEqual({ code: 0, out: `${DLQ}: empty\n`, err: '' });
    expect(await t.queueLength('dlqsrc')).toBe(1);
    const back = await new Promise<import('../src/transport/transport').Delivery>((resolve) => {
      void t.consume(['dlqsrc'], 1, resolve);
    });
    expect(back.message.headers).toMatchObject({ id: first, task: 'tapp.fail_type', retries: 0 });
    expect(Object.keys(back.message.headers).filter((k) => k.startsWith('x-celeriac-'))).toEqual([]);
    await back.ack();
  } finally {
    await t.close();
  }
}, 90_000);
