// Celery's rpc:// result backend on a private rabbitmq-server, with real Python Celery 5.6.2 (py-amqp):
// one Python client script (backend='rpc://') runs against a celeriac worker and against a Python
// worker and must get the same answers (values, exceptions, RETRY/STARTED states, buffered replies,
// PENDING for another client, the chord refusal); a celeriac TypeScript producer with rpc:// reads
// replies from a Python worker; bad rpc URLs fail clearly.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import '../src/transport/amqp/amqp-long-int-tag';
import { connect } from 'amqplib';
import { Celery } from '../src/app/celery';
import { chord } from '../src/app/canvas-signature';
import { RPC_NO_CHORD_SUPPORT } from '../src/backend/rpc/rpc-result-backend';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { CELERIAC_BIN, startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { waitUntil } from './helpers/redis-probe';

const RPC_APP_JS = `${REPO_ROOT}/interop-tests/apps/rpc-app.js`;

let rabbit: RabbitMqServer;
const workers: Array<CeleriacWorker | PythonWorker> = [];
const apps: Celery[] = [];

beforeAll(async () => {
  rabbit = await startRabbitMqServer();
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await killAllChildren();
  await rabbit?.stop();
}, 60_000);

const pyEnv = (): Record<string, string> => ({ CELERY_BROKER_URL: rabbit.url('pyamqp'), CELERY_RESULT_BACKEND: 'rpc://' });

async function celeriacWorker(queue: string): Promise<CeleriacWorker> {
  const w = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: 'rpc://', app: RPC_APP_JS, queues: [queue], concurrency: 2,
    nodeName: `ts-${queue}@%h`, env: { CELERY_TASK_TRACK_STARTED: 'true' } });
  workers.push(w);
  return w;
}

async function pythonWorker(queue: string): Promise<PythonWorker> {
  const w = await startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: 'rpc://', appModule: 'rpc_app', queues: [queue],
    pool: 'solo', concurrency: 1, nodeName: `py-${queue}@%h`, env: { RPC_TRACK_STARTED: '1' } });
  workers.push(w);
  return w;
}

type Case = { ok?: unknown; error?: { type: string; module: string; args: unknown[]; str: string } };
const REPLY_KEYS = ['children', 'result', 'status', 'task_id', 'traceback'];
const state = (status: string, resultKeys: string[] | null = null): unknown => ({ status, keys: REPLY_KEYS, result_keys: resultKeys });

it('gives a Python rpc:// client the same answers from a celeriac worker as from a Python worker', async () => {
  const ts = await celeriacWorker('rpc-ts');
  const fromTs = await runPythonJson<Record<string, Case>>('rpc_calls.py', { args: ['rpc-ts'], env: pyEnv(), timeoutMs: 120_000 });
  await ts.stop();
  expect(fromTs.add).toEqual({ ok: 5 });
  expect(fromTs.failure).toEqual({ error: { type: 'ValueError', module: 'builtins', args: ['nope'], str: 'nope' } });
  const exc = ['exc_message', 'exc_module', 'exc_type'];
  expect(fromTs.retry).toEqual({ ok: { value: { value: 7, retries: 1 },
    states: [state('STARTED', ['hostname', 'pid']), state('RETRY', exc), state('STARTED', ['hostname', 'pid']), state('SUCCESS', ['retries', 'value'])] } });
  expect(fromTs.started).toEqual({ ok: { value: 42, states: [state('STARTED', ['hostname', 'pid']), state('SUCCESS')] } });
  expect(fromTs.out_of_order).toEqual({ ok: [4, 2] });
  expect(fromTs.other_client).toEqual({ ok: { value: 7, other_state: 'PENDING' } });
  expect(fromTs.chord).toEqual({ error: { type: 'NotImplementedError', module: 'builtins', args: [RPC_NO_CHORD_SUPPORT], str: RPC_NO_CHORD_SUPPORT } });

  const py = await pythonWorker('rpc-py');
  const fromPy = await runPythonJson<Record<string, Case>>('rpc_calls.py', { args: ['rpc-py'], env: pyEnv(), timeoutMs: 120_000 });
  await py.stop();
  expect(fromTs).toEqual(fromPy);
}, 300_000);

it('never declares a Python client\'s reply queue: kombu declares its binding again after celeriac replied, without 406', async () => {
  const ts = await celeriacWorker('rpc-declare');
  // rpc_redeclare.py sends one task, waits for the reply, then declares its own binding again (passive=False).
  const got = await runPythonJson<{ value: unknown; redeclared: boolean }>('rpc_redeclare.py', { args: ['rpc-declare'], env: pyEnv() });
  expect(got).toEqual({ value: 3, redeclared: true });
  await ts.stop();
}, 120_000);

it('acks (acks-late) a task whose reply queue is gone, without a store error, and keeps serving', async () => {
  const ts = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: 'rpc://', app: RPC_APP_JS, queues: ['rpc-gone'],
    acksLate: true, concurrency: 1, nodeName: 'ts-gone@%h' });
  workers.push(ts);
  const got = await runPythonJson<{ ids: string[]; value: unknown }>('rpc_gone_reply.py', { args: ['rpc-gone'], env: pyEnv() });
  expect(got.value).toBe(3);
  // Both tasks ran and were acked (the ack follows the reply, so it may land a moment after the client got its value).
  const row = async (): Promise<string[] | undefined> => (await rabbit.ctl('list_queues', '-q', 'name', 'messages_ready', 'messages_unacknowledged'))
    .split('\n').find((l) => l.startsWith('rpc-gone\t'))?.split('\t');
  await waitUntil(async () => (await row())?.join(' ') === 'rpc-gone 0 0', 'rpc-gone to hold nothing ready or unacked', { timeoutMs: 30_000 });
  expect(ts.records().filter((r) => /cannot store task result/.test(String(r.msg)))).toEqual([]);
  expect(ts.records().some((r) => r.taskId === got.ids[0] && /succeeded/.test(String(r.msg)))).toBe(true);
  await ts.stop();
}, 120_000);

describe('a celeriac TypeScript producer with result_backend rpc://', () => {
  const tsApp = (): Celery => {
    const app = new Celery('ts-rpc-client', { broker: rabbit.url('amqp'), backend: 'rpc://' });
    apps.push(app);
    return app;
  };

  it('reads values and exceptions a Python worker sends to its reply queue, buffering replies nobody waits for yet', async () => {
    const py = await pythonWorker('rpc-py-ts');
    const app = tsApp();
    const first = await app.sendTask('rpc.add', [1, 1], {}, { queue: 'rpc-py-ts' });
    const second = await app.sendTask('rpc.add', [2, 2], {}, { queue: 'rpc-py-ts' });
    expect(await second.get({ timeout: 30 })).toBe(4);
    expect(await first.get({ timeout: 30 })).toBe(2);
    expect(await first.state()).toBe('SUCCESS');
    const failed = await app.sendTask('rpc.fail', ['nope'], {}, { queue: 'rpc-py-ts' });
    await expect(failed.get({ timeout: 30 })).rejects.toMatchObject({ name: 'ValueError', message: 'nope' });
    const retried = await app.sendTask('rpc.flaky', [9], {}, { queue: 'rpc-py-ts' });
    expect(await retried.get({ timeout: 30 })).toEqual({ value: 9, retries: 1 });
    // Another client has no way to look the result up: PENDING, as Celery's rpc backend.
    const other = tsApp();
    expect(await (await other.AsyncResult(first.id)).state()).toBe('PENDING');
    await expect(first.forget()).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_UNSUPPORTED' });
    await py.stop();
  }, 120_000);

  it('reads replies from a celeriac worker too', async () => {
    const ts = await celeriacWorker('rpc-ts-ts');
    const app = tsApp();
    const r = await app.sendTask('rpc.add', [20, 22], {}, { queue: 'rpc-ts-ts' });
    expect(await r.get({ timeout: 30 })).toBe(42);
    await ts.stop();
  }, 120_000);

  it('refuses a chord with Celery\'s NotImplementedError text before publishing anything', async () => {
    const app = tsApp();
    const add = app.signature('rpc.add', [1, 1], {}, { queue: 'rpc-chord' });
    const body = app.signature('rpc.tsum', [], {}, { queue: 'rpc-chord' });
    await expect(chord([add], body).applyAsync()).rejects.toMatchObject({ code: 'CELERIAC_CANVAS_UNSUPPORTED', message: RPC_NO_CHORD_SUPPORT });
    const conn = await connect(rabbit.url());
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await expect(ch.checkQueue('rpc-chord')).rejects.toThrow(/NOT_FOUND/);
    } finally {
      await conn.close().catch(() => undefined);
    }
  }, 60_000);
});

describe('bad rpc result_backend settings', () => {
  const run = async (args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> => {
    try {
      await promisify(execFile)(process.execPath, [CELERIAC_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  };

  it('stops the worker with one clear line for an rpc look-alike, Celery 4\'s amqp backend, or rpc:// over a Redis broker', async () => {
    const worker = ['worker', '-A', RPC_APP_JS];
    const bad = await run(worker, { CELERY_BROKER_URL: rabbit.url('amqp'), CELERY_RESULT_BACKEND: 'rpc:/' });
    expect(bad).toEqual({ code: 1, stderr: 'celeriac: result_backend rpc:/ is not a valid rpc backend URL: write rpc:// (results go over broker_url)\n' });
    const amqp = await run(worker, { CELERY_BROKER_URL: rabbit.url('amqp'), CELERY_RESULT_BACKEND: 'amqp://guest:s3cret@127.0.0.1//' });
    expect(amqp.code).toBe(1);
    expect(amqp.stderr).toMatch(/^celeriac: result_backend amqp:\/\/guest:\*+@127\.0\.0\.1\/\/: Celery 5 has no "amqp" result backend .* use rpc:\/\//);
    const redis = await run(worker, { CELERY_BROKER_URL: 'redis://:s3cret@127.0.0.1:1/1', CELERY_RESULT_BACKEND: 'rpc://' });
    expect(redis.code).toBe(1);
    expect(redis.stderr).toMatch(/^celeriac: result_backend rpc:\/\/ needs an AMQP broker \(amqp:\/\/, amqps:\/\/, pyamqp:\/\/\); broker_url is redis:/);
    expect(redis.stderr).not.toContain('s3cret');
  }, 120_000);

  it('`celeriac result <id>` says rpc:// has no lookup by task id', async () => {
    const got = await run(['result', 'some-task-id'], { CELERY_BROKER_URL: rabbit.url('amqp'), CELERY_RESULT_BACKEND: 'rpc://' });
    expect(got.code).toBe(1);
    expect(got.stderr).toMatch(/^celeriac: result_backend rpc:\/\/ keeps no results to look up by task id/);
  }, 60_000);
});

