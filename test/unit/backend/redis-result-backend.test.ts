// Redis-specific behaviour of RedisResultBackend, against a private redis-server started here.
import Redis from 'ioredis';
import pino from 'pino';
import { createRedisResultBackend, type RedisResultBackend } from '../../../src/backend/redis-result-backend';
import { BackendError } from '../../../src/errors/celeriac-error';
import { encodeResultMeta } from '../../../src/protocol/result-meta-codec';
import { freePort } from '../../helpers/free-port';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';
import { buildMeta, newTaskId } from '../../contract/result-backend-contract';

const logger = pino({ level: 'silent' });
let server: RedisServer;
let raw: Redis;
const open: RedisResultBackend[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis({ host: '127.0.0.1', port: server.port, db: 2, lazyConnect: true });
  await raw.connect();
});
afterEach(async () => { await Promise.all(open.splice(0).map((b) => b.close())); });
afterAll(async () => {
  await raw.quit();
  await server.stop();
});

async function backendWith(options: Record<string, unknown> = {}): Promise<RedisResultBackend> {
  const backend = createRedisResultBackend(server.url(2), options, logger);
  open.push(backend);
  await backend.connect();
  return backend;
}

/** Publishes until a subscriber receives it: proves delivery over pub/sub without fixed sleeps. */
async function publishUntilHeard(channel: string, text: string): Promise<void> {
  while ((await raw.publish(channel, text)) === 0) await new Promise((r) => setImmediate(r));
}

describe('RedisResultBackend on a real redis-server', () => {
  it('writes the results of one event-loop turn in one script call, each stored, expiring and published as if alone', async () => {
    const backend = await backendWith({ result_expires: 600 });
    const ids = Array.from({ length: 50 }, () => newTaskId());
    // One id already holds SUCCESS: its write in the batch must be skipped (and not published), the others written.
    expect(await backend.storeResult(buildMeta(ids[0] as string, 'SUCCESS', 'first'))).toBe(true);
    const listener = raw.duplicate();
    const admin = raw.duplicate();
    try {
      await listener.psubscribe('celery-task-meta-*');
      const heard = new Set<string>();
      const allHeard = new Promise<void>((resolve) => listener.on('pmessage', (_p: string, channel: string) => {
        heard.add(channel);
        if (heard.size === ids.length - 1) resolve();
      }));
      await admin.config('RESETSTAT');
      const written = await Promise.all(ids.map((id, i) => backend.storeResult(buildMeta(id, 'SUCCESS', i))));
      expect(written).toEqual(ids.map((_, i) => i !== 0));
      const stats = (await admin.info('commandstats')) as string;
      expect(Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0)).toBe(1);
      expect(JSON.parse((await raw.get(`celery-task-meta-${ids[0] as string}`)) as string).result).toBe('first');
      expect(JSON.parse((await raw.get(`celery-task-meta-${ids[7] as string}`)) as string).result).toBe(7);
      expect(await raw.ttl(`celery-task-meta-${ids[7] as string}`)).toBeGreaterThan(590);
      await allHeard;
      expect(heard.has(`celery-task-meta-${ids[0] as string}`)).toBe(false);
    } finally {
      await Promise.all([listener.quit(), admin.quit()]);
    }
  });

  it('stores the codec bytes with SETEX and publishes the identical bytes on the key channel', async () => {
    const backend = await backendWith({ result_expires: 600 });
    const id = newTaskId();
    const key = `celery-task-meta-${id}`;
    const listener = raw.duplicate();
    await listener.subscribe(key);
    const heard = new Promise<string>((resolve) => listener.once('message', (_c: string, m: string) => resolve(m)));
    const meta = buildMeta(id, 'SUCCESS', { text: 'na\u00efve \u{1F680}' });
    expect(await backend.storeResult(meta)).toBe(true);
    const stored = await raw.get(key);
    expect(stored).toBe(encodeResultMeta(meta));
    expect(await heard).toBe(stored);
    expect(await raw.ttl(key)).toBeGreaterThan(590);
    await listener.quit();
  });

  it('applies the global key prefix with Celery\'s separator rule', async () => {
    for (const [prefix, expected] of [['myapp', 'myapp_'], ['myapp:', 'myapp:'], ['a.', 'a.'], ['b-', 'b-']] as const) {
      const backend = await backendWith({ global_keyprefix: prefix });
      const id = newTaskId();
      await backend.storeResult(buildMeta(id, 'SUCCESS', 1));
      expect(await raw.exists(`${expected}celery-task-meta-${id}`)).toBe(1);
      expect(await raw.exists(`celery-task-meta-${id}`)).toBe(0);
      await expect(backend.waitForResult(id, 2000)).resolves.toMatchObject({ result: 1 });
    }
  });

  it('will not overwrite a SUCCESS that Python wrote', async () => {
    const backend = await backendWith();
    const id = newTaskId();
    await raw.set(`celery-task-meta-${id}`, `{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-21T04:22:04.333783+00:00", "task_id": "${id}"}`);
    expect(await backend.storeResult(buildMeta(id, 'FAILURE', { excType: 'ValueError', excMessage: ['x'], excModule: 'builtins' }))).toBe(false);
    expect(await backend.getTaskMeta(id)).toMatchObject({ status: 'SUCCESS', result: 5 });
  });

  it('resolves a wait from a pub/sub message alone (nothing stored)', async () => {
    const backend = await backendWith();
    const id = newTaskId();
    const waiting = backend.waitForResult(id, 5000);
    const meta = buildMeta(id, 'SUCCESS', [1, 2]);
    await publishUntilHeard(`celery-task-meta-${id}`, encodeResultMeta(meta));
    await expect(waiting).resolves.toEqual(meta);
    expect(await raw.exists(`celery-task-meta-${id}`)).toBe(0);
  });

  it('shares one subscriber connection and one SUBSCRIBE per key among many waiters, and unsubscribes', async () => {
    const backend = await backendWith();
    const ids = Array.from({ length: 8 }, () => newTaskId());
    const waits = ids.flatMap((id) => [backend.waitForResult(id, 5000), backend.waitForResult(id, 5000)]);
    for (const id of ids) await publishUntilHeard(`celery-task-meta-${id}`, encodeResultMeta(buildMeta(id, 'PROGRESS', {})));
    const numsub = (await raw.pubsub('NUMSUB', ...ids.map((id) => `celery-task-meta-${id}`))) as (string | number)[];
    expect(numsub.filter((_, i) => i % 2 === 1).map(Number)).toEqual(ids.map(() => 1));
    expect(backend.subscribedChannels).toBe(ids.length);
    const clients = (await raw.client('LIST')) as string;
    // raw + the backend's command connection + its single subscriber connection.
    expect(clients.trim().split('\n').filter((line) => / cmd=/.test(line)).length).toBe(3);
    await Promise.all(ids.map((id) => backend.storeResult(buildMeta(id, 'SUCCESS', id))));
    const metas = await Promise.all(waits);
    expect(metas.map((m) => m.result)).toEqual(ids.flatMap((id) => [id, id]));
    expect(backend.subscribedChannels).toBe(0);
  });

  it('re-reads waited keys after the subscriber connection drops, so a result stored meanwhile is not lost', async () => {
    const backend = await backendWith();
    const id = newTaskId();
    const key = `celery-task-meta-${id}`;
    const waiting = backend.waitForResult(id, 10_000);
    await publishUntilHeard(key, encodeResultMeta(buildMeta(id, 'STARTED', { pid: 1, hostname: 'h' })));
    await raw.client('KILL', 'TYPE', 'pubsub');
    // Stored while nobody listens: only the re-read after reconnecting can find it.
    const meta = buildMeta(id, 'SUCCESS', 'after-reconnect');
    await raw.set(key, encodeResultMeta(meta));
    await expect(waiting).resolves.toEqual(meta);
  });

  it('unsubscribes when the last waiter on a key times out', async () => {
    const backend = await backendWith();
    const id = newTaskId();
    const waiting = backend.waitForResult(id, 100);
    await expect(waiting).rejects.toBeInstanceOf(BackendError);
    expect(backend.subscribedChannels).toBe(0);
  });

  it('fails connect() and waits with a one-line BackendError that hides the password', async () => {
    const port = await freePort();
    const backend = createRedisResultBackend(`redis://:s3cret@127.0.0.1:${port}/0`, {}, logger);
    open.push(backend);
    const failure = await backend.connect().then(() => null, (err: unknown) => err);
    expect(failure).toBeInstanceOf(BackendError);
    expect(failure).toMatchObject({ code: 'CELERIAC_BACKEND_CONNECT' });
    const message = (failure as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('\n');
    await expect(backend.waitForResult('x', 2000)).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CONNECT' });
    await expect(backend.storeResult(buildMeta('x', 'SUCCESS', 1))).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CONNECT' });
  });

  it('rejects a bad URL with CELERIAC_BACKEND_BAD_URL and bad options with ConfigError', () => {
    expect(() => createRedisResultBackend('redis://h/notadb', {}, logger)).toThrow(expect.objectContaining({ code: 'CELERIAC_BACKEND_BAD_URL' }));
    expect(() => createRedisResultBackend(server.url(), { result_expires: -1 }, logger)).toThrow(expect.objectContaining({ code: 'CELERIAC_CONFIG_INVALID' }));
  });

  it('refuses work after close()', async () => {
    const backend = await backendWith();
    await backend.close();
    await expect(backend.getTaskMeta('x')).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
    await expect(backend.waitForResult('x', 100)).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
  });
});

describe('RedisResultBackend: results it cannot store', () => {
  it('refuses a meta above maxEncodedBytes with CELERIAC_PROTOCOL_ENCODE_TOO_LARGE before sending anything', async () => {
    const backend = await backendWith();
    const id = newTaskId();
    await expect(backend.storeResult(buildMeta(id, 'SUCCESS', 'x'.repeat(5000)), { maxEncodedBytes: 4096 }))
      .rejects.toMatchObject({ code: 'CELERIAC_PROTOCOL_ENCODE_TOO_LARGE' });
    expect(await raw.get(backend.keyFor(id))).toBeNull();
    expect(await backend.storeResult(buildMeta(id, 'SUCCESS', 'x'.repeat(100)), { maxEncodedBytes: 4096 })).toBe(true);
  });

  it("reports a write above the server's proto-max-bulk-len as CELERIAC_BACKEND_REFUSED (not worth retrying), and keeps working", async () => {
    const backend = await backendWith();
    await raw.config('SET', 'proto-max-bulk-len', '1mb');
    try {
      const id = newTaskId();
      const refused = await backend.storeResult(buildMeta(id, 'SUCCESS', 'x'.repeat(2 * 1024 * 1024))).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(BackendError);
      expect(refused).toMatchObject({ code: 'CELERIAC_BACKEND_REFUSED', message: expect.stringMatching(/invalid bulk length/) as unknown });
      expect(await backend.storeResult(buildMeta(id, 'FAILURE', { excType: 'EncodeError', excMessage: ['too big'], excModule: 'kombu.exceptions' }))).toBe(true);
      expect((await backend.getTaskMeta(id))?.status).toBe('FAILURE');
    } finally {
      await raw.config('SET', 'proto-max-bulk-len', '512mb');
    }
  });
});
