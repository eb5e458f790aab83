// Our Redis result backend against real Python Celery 5.6 clients, on a private redis-server.
import Redis from 'ioredis';
import pino from 'pino';
import { createRedisResultBackend, type RedisResultBackend } from '../src/backend/redis-result-backend';
import { parsePythonDatetime } from '../src/protocol/python-datetime';
import type { ResultMeta } from '../src/protocol/result-meta';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { runPython } from './helpers/python';

const logger = pino({ level: 'silent' });
const DONE = new Date('2026-11-21T04:22:04.333Z');

/** One line `result_reader.py` prints per task. */
interface Reading {
  id: string;
  state: string;
  info: unknown;
  traceback: string | null;
  value?: unknown;
  raised?: { type: string; module: string; message: string; args: unknown[] };
}

let server: RedisServer;
let url: string;
let backend: RedisResultBackend;
let monitor: Redis;
const seen: string[][] = [];
const watchers = new Set<() => void>();

beforeAll(async () => {
  server = await startRedisServer();
  url = server.url(1);
  backend = createRedisResultBackend(url, {}, logger);
  await backend.connect();
  // MONITOR lets the test wait for "the client has subscribed and read the key" as an event.
  const admin = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
  monitor = await admin.monitor();
  admin.disconnect();
  monitor.on('monitor', (_time: string, args: string[]) => {
    seen.push(args.map(String));
    for (const watcher of [...watchers]) watcher();
  });
});

afterAll(async () => {
  await backend.close();
  monitor.disconnect();
  await server.stop();
});

/** Resolves once a client has run `SUBSCRIBE key` and then `GET key` (any order of other commands). */
function subscribedAndRead(key: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const sub = seen.findIndex((a) => a[0]?.toLowerCase() === 'subscribe' && a.includes(key));
      if (sub >= 0 && seen.slice(sub).some((a) => a[0]?.toLowerCase() === 'get' && a[1] === key)) {
        watchers.delete(check);
        resolve();
      }
    };
    watchers.add(check);
    check();
  });
}

async function readInPython(specs: string[], env: Record<string, string> = {}): Promise<Reading[]> {
  const run = await runPython('result_reader.py', { args: [url, ...specs], env, timeoutMs: 60_000 });
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Reading);
}

function meta(taskId: string, status: string, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  const ready = ['SUCCESS', 'FAILURE', 'REVOKED'].includes(status);
  return { taskId, status, result, traceback: null, children: [], dateDone: ready ? DONE : null, ...extra };
}

let seq = 0;
const newId = (): string => `interop-${process.pid}-${++seq}`;

describe('Python Celery reads what RedisResultBackend stores', () => {
  it('reads SUCCESS values of every JSON shape, kombu datetimes included', async () => {
    const values: Record<string, unknown> = {
      int: 42,
      str: 'caf\u00e9 \u65e5\u672c \u{1F600}',
      dict: { a: 1, nested: { b: [true, null] } },
      list: [1, 'two', 3.5],
      datetime: parsePythonDatetime('2026-11-21T04:22:04.333783+00:00'),
    };
    const ids = Object.fromEntries(Object.keys(values).map((k) => [k, newId()]));
    for (const [k, v] of Object.entries(values)) expect(await backend.storeResult(meta(ids[k] as string, 'SUCCESS', v))).toBe(true);
    const readings = await readInPython(Object.values(ids).map((id) => `get:${id}`));
    const byKind = Object.fromEntries(Object.keys(values).map((k, i) => [k, readings[i] as Reading]));
    for (const k of ['int', 'str', 'dict', 'list']) {
      expect(byKind[k]).toMatchObject({ state: 'SUCCESS', value: values[k], info: values[k] });
      expect(byKind[k]?.raised).toBeUndefined();
    }
    expect(byKind.datetime).toMatchObject({ state: 'SUCCESS', value: { datetime: '2026-11-21T04:22:04.333783+00:00' } });
  });

  it('re-raises FAILURE as the stored exception class with its message, builtin and custom', async () => {
    const builtin = newId();
    const custom = newId();
    await backend.storeResult(meta(builtin, 'FAILURE', { excType: 'ValueError', excMessage: ['boom'], excModule: 'builtins' },
      { traceback: 'Traceback (most recent call last):\n  File "task.ts", line 1\nValueError: boom\n' }));
    await backend.storeResult(meta(custom, 'FAILURE', { excType: 'PaymentDeclinedError', excMessage: ['card 42 declined'], excModule: 'celeriac.tasks' }));
    const [b, c] = await readInPython([`get:${builtin}`, `get:${custom}`]);
    expect(b).toMatchObject({ state: 'FAILURE', raised: { type: 'ValueError', module: 'builtins', message: 'boom' },
      info: { exception: 'ValueError', args: ['boom'] } });
    expect(b?.traceback).toContain('ValueError: boom');
    expect(c).toMatchObject({ state: 'FAILURE', raised: { type: 'PaymentDeclinedError', module: 'celery.exceptions', message: 'card 42 declined' } });
  });

  it('reports REVOKED as TaskRevokedError and a PROGRESS custom state with its meta', async () => {
    const revoked = newId();
    const progress = newId();
    await backend.storeResult(meta(revoked, 'REVOKED', { excType: 'TaskRevokedError', excMessage: ['revoked'], excModule: 'celery.exceptions' }, { children: null }));
    await backend.storeResult(meta(progress, 'PROGRESS', { current: 3, total: 10 }));
    const [r, p] = await readInPython([`get:${revoked}`, `peek:${progress}`]);
    expect(r).toMatchObject({ state: 'REVOKED', raised: { type: 'TaskRevokedError', module: 'celery.exceptions', message: 'revoked' } });
    expect(p).toMatchObject({ state: 'PROGRESS', info: { current: 3, total: 10 } });
  });

  it('wakes a Python .get() that started before the result existed (pub/sub path)', async () => {
    const id = newId();
    const key = backend.keyFor(id);
    const reading = readInPython([`get:${id}`]);
    await subscribedAndRead(key);
    await backend.storeResult(meta(id, 'PROGRESS', { current: 1, total: 2 }));
    await backend.storeResult(meta(id, 'SUCCESS', { total: 2 }));
    const [r] = await reading;
    expect(r).toMatchObject({ state: 'SUCCESS', value: { total: 2 } });
  });

  it('honours a global_keyprefix the Python client is configured with', async () => {
    const prefixed = createRedisResultBackend(url, { global_keyprefix: 'tenant7' }, logger);
    try {
      const id = newId();
      await prefixed.storeResult(meta(id, 'SUCCESS', 'prefixed'));
      const [r] = await readInPython([`get:${id}`], { CELERIAC_KEYPREFIX: 'tenant7' });
      expect(r).toMatchObject({ state: 'SUCCESS', value: 'prefixed' });
    } finally {
      await prefixed.close();
    }
  });
});

describe('RedisResultBackend reads what Python Celery stores', () => {
  it('reads mark_as_done, a custom state and mark_as_failure with getTaskMeta', async () => {
    const [done, progress, failed] = [newId(), newId(), newId()];
    await runPython('result_writer.py', { args: [url, JSON.stringify([
      { op: 'mark_as_done', id: done, result: { text: 'na\u00efve \u{1F680}', n: [1, 2] } },
      { op: 'store_result', id: progress, state: 'PROGRESS', result: { current: 5 } },
      { op: 'mark_as_failure', id: failed, exc_type: 'ValueError', message: 'bad input' },
    ])] });
    const d = await backend.getTaskMeta(done);
    expect(d).toMatchObject({ taskId: done, status: 'SUCCESS', result: { text: 'na\u00efve \u{1F680}', n: [1, 2] }, traceback: null });
    expect(d?.dateDone).toBeInstanceOf(Date);
    expect(Math.abs(Date.now() - (d?.dateDone as Date).getTime())).toBeLessThan(120_000);
    expect(await backend.getTaskMeta(progress)).toMatchObject({ status: 'PROGRESS', result: { current: 5 }, dateDone: null });
    expect(await backend.getTaskMeta(failed)).toMatchObject({
      status: 'FAILURE', result: { excType: 'ValueError', excMessage: ['bad input'], excModule: 'builtins' },
      traceback: expect.stringContaining('Traceback'),
    });
  });

  it('wakes waitForResult (started first) when Python stores the result', async () => {
    const id = newId();
    const waiting = backend.waitForResult(id, 30_000);
    await subscribedAndRead(backend.keyFor(id));
    await runPython('result_writer.py', { args: [url, JSON.stringify([
      { op: 'store_result', id, state: 'PROGRESS', result: { current: 1 } },
      { op: 'mark_as_done', id, result: 99 },
    ])] });
    await expect(waiting).resolves.toMatchObject({ taskId: id, status: 'SUCCESS', result: 99 });
  });

  it('refuses to overwrite a SUCCESS Python stored', async () => {
    const id = newId();
    await runPython('result_writer.py', { args: [url, JSON.stringify([{ op: 'mark_as_done', id, result: 'first' }])] });
    expect(await backend.storeResult(meta(id, 'FAILURE', { excType: 'RuntimeError', excMessage: ['late'], excModule: 'builtins' }))).toBe(false);
    const [r] = await readInPython([`get:${id}`]);
    expect(r).toMatchObject({ state: 'SUCCESS', value: 'first' });
  });
});
