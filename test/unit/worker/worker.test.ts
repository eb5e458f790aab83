import pino from 'pino';
import { Writable } from 'node:stream';
import { Celery } from '../../../src/app/celery';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { loadConfig } from '../../../src/config/load-config';
import type { SettingsInput } from '../../../src/config/settings-schema';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import type { Clock } from '../../../src/worker/clock';
import { Worker } from '../../../src/worker/worker';
import { wireTask } from '../../helpers/task-wire';

const Q = { exchange: '', routingKey: 'celery' };

class CertificateTemplateMissing extends Error {}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

interface Harness {
  app: Celery;
  worker: Worker;
  transport: MemoryTransport;
  backend: MemoryResultBackend;
  logs: Array<Record<string, unknown>>;
}

const open: Worker[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

async function startWorker(app: Celery, conf: SettingsInput = {}, clock?: Clock): Promise<Harness> {
  const transport = new MemoryTransport();
  const backend = new MemoryResultBackend();
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  const logger = pino({ level: 'debug' }, sink);
  const settings = loadConfig({}, { worker_concurrency: 2, ...conf });
  const worker = new Worker({ app, transport, backend, settings, hostname: 'ts1@test', logger, ...(clock ? { clock } : {}),
    followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
  await worker.start();
  open.push(worker);
  return { app, worker, transport, backend, logs };
}

describe('Worker', () => {
  it('runs a task and stores SUCCESS, acking the message', async () => {
    const app = new Celery('t');
    app.task('tapp.add', (x: number, y: number) => x + y);
    const h = await startWorker(app);
    const msg = wireTask('tapp.add', [2, 3]);
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.status).toBe('SUCCESS');
    expect(meta.result).toBe(5);
    await h.worker.waitIdle();
    expect(await h.transport.queueLength('celery')).toBe(0);
  });

  it('maps Python keyword arguments and passes the bound context', async () => {
    const app = new Celery('t');
    app.task('emails.welcome', (task: { request: { id: string; retries: number } }, userId: string, email: string) =>
      ({ id: task.request.id, retries: task.request.retries, userId, email }), { bind: true, params: ['user_id', 'email'] });
    const h = await startWorker(app);
    const msg = wireTask('emails.welcome', ['u1'], { kwargs: { email: 'a@x' }, retries: 2 });
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.result).toEqual({ id: msg.headers.id, retries: 2, userId: 'u1', email: 'a@x' });
  });

  it.each([
    [() => { throw new TypeError('bad type'); }, 'TypeError', 'builtins', 'bad type'],
    [() => { throw new RangeError('out of range'); }, 'ValueError', 'builtins', 'out of range'],
    [async () => { throw new CertificateTemplateMissing('no template'); }, 'CertificateTemplateMissing', undefined, 'no template'],
  ])('stores failures as Python exceptions (%#)', async (handler, excType, excModule, message) => {
    const app = new Celery('t');
    app.task('tapp.fail', handler);
    const h = await startWorker(app);
    const msg = wireTask('tapp.fail');
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.status).toBe('FAILURE');
    const info = meta.result as { excType?: string; exc_type?: string; excMessage?: unknown[]; exc_message?: unknown[]; excModule?: string; exc_module?: string };
    expect(info.excType ?? info.exc_type).toBe(excType);
    expect(info.excMessage ?? info.exc_message).toEqual([message]);
    if (excModule) expect(info.excModule ?? info.exc_module).toBe(excModule);
    expect(meta.traceback).toMatch(/^Traceback \(most recent call last\):/);
    expect(meta.traceback).toContain(message);
  });

  it('stores an argument mismatch as TypeError without crashing', async () => {
    const app = new Celery('t');
    app.task('tapp.add', (x: number, y: number) => x + y, { params: ['x', 'y'] });
    const h = await startWorker(app);
    const msg = wireTask('tapp.add', [1], { kwargs: { z: 2 } });
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    const info = meta.result as Record<string, unknown>;
    expect(info.excType ?? info.exc_type).toBe('TypeError');
    expect(JSON.stringify(info)).toContain("unexpected keyword argument 'z'");
  });

  it('refuses an unregistered task as NotRegistered and keeps the message in the poison queue', async () => {
    const app = new Celery('t');
    app.task('tapp.add', (x: number, y: number) => x + y);
    const h = await startWorker(app);
    const bad = wireTask('tapp.missing', [1]);
    const good = wireTask('tapp.add', [1, 1]);
    await h.transport.publish(bad, Q);
    await h.transport.publish(good, Q);
    const meta = await h.backend.waitForResult(String(bad.headers.id), 2000);
    const info = meta.result as Record<string, unknown>;
    expect(meta.status).toBe('FAILURE');
    expect(info.excType ?? info.exc_type).toBe('NotRegistered');
    expect(info.excModule ?? info.exc_module).toBe('celery.exceptions');
    expect((await h.backend.waitForResult(String(good.headers.id), 2000)).result).toBe(2);
    await h.worker.waitIdle();
    expect(await h.transport.queueLength('celeriac.poison')).toBe(1);
    expect(h.logs.filter((l) => l.msg === 'message refused')).toHaveLength(1);
  });

  it('survives poison messages of every kind and runs the next good one', async () => {
    const app = new Celery('t');
    app.task('tapp.add', (x: number, y: number) => x + y);
    const h = await startWorker(app, { worker_max_message_bytes: 1000 });
    const base = wireTask('tapp.add', [1, 2]);
    const poison = [
      { ...base, body: Buffer.from('{not json') },
      { ...base, body: Buffer.from('{"a": 1}') },
      { ...base, body: Buffer.from('[[1], {}]') },
      { ...base, contentType: 'application/x-python-serialize', contentEncoding: 'binary' },
      { ...base, headers: { ...base.headers, task: undefined }, body: Buffer.from('[[], {}, {}]') },
      { ...base, body: Buffer.from(JSON.stringify([['x'.repeat(2000)], {}, {}])) },
    ];
    for (const p of poison) await h.transport.publish(p, Q);
    const good = wireTask('tapp.add', [20, 22]);
    await h.transport.publish(good, Q);
    expect((await h.backend.waitForResult(String(good.headers.id), 2000)).result).toBe(42);
    await h.worker.waitIdle();
    expect(h.worker.counters.refused).toBe(poison.length);
    expect(await h.transport.queueLength('celeriac.poison')).toBe(poison.length);
    expect(h.logs.filter((l) => l.msg === 'message refused')).toHaveLength(poison.length);
  });

  it('runs at most `concurrency` tasks at once', async () => {
    const app = new Celery('t');
    const gate = deferred();
    let running = 0;
    let peak = 0;
    app.task('tapp.slow', async () => {
      running++;
      peak = Math.max(peak, running);
      await gate.promise;
      running--;
    });
    const h = await startWorker(app, { worker_concurrency: 2 });
    const msgs = Array.from({ length: 5 }, () => wireTask('tapp.slow'));
    for (const m of msgs) await h.transport.publish(m, Q);
    await waitFor(() => h.worker.activeCount === 2);
    expect(peak).toBe(2);
    gate.resolve();
    for (const m of msgs) expect((await h.backend.waitForResult(String(m.headers.id), 2000)).status).toBe('SUCCESS');
    expect(peak).toBe(2);
  });

  it('frees the concurrency slot when the handler returns: the next task runs while the result write is pending, the message stays unacked', async () => {
    const app = new Celery('t');
    const ran: string[] = [];
    app.task('tapp.echo', (x: string) => { ran.push(x); return x; }, { acksLate: true });
    const h = await startWorker(app, { worker_concurrency: 1 });
    const storeGate = deferred();
    const store = h.backend.storeResult.bind(h.backend);
    let held = 0;
    h.backend.storeResult = async (meta, options) => {
      if (meta.status === 'SUCCESS' && held++ === 0) await storeGate.promise;
      return store(meta, options);
    };
    const [first, second] = [wireTask('tapp.echo', ['a']), wireTask('tapp.echo', ['b'])];
    await h.transport.publish(first, Q);
    await h.transport.publish(second, Q);
    await waitFor(() => ran.length === 2);
    // The first result is still being written: its message is not acked, the second ran in its slot.
    expect(await h.backend.getTaskMeta(String(first.headers.id))).toBeNull();
    expect(h.transport.unsettledCount()).toBeGreaterThanOrEqual(1);
    storeGate.resolve();
    for (const m of [first, second]) expect((await h.backend.waitForResult(String(m.headers.id), 2000)).status).toBe('SUCCESS');
    await h.worker.waitIdle();
    expect(h.transport.unsettledCount()).toBe(0);
  });

  it('with acks_late keeps the message unsettled until the result is stored', async () => {
    const app = new Celery('t');
    const gate = deferred();
    app.task('tapp.slow', async () => { await gate.promise; return 'done'; }, { acksLate: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.slow');
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.activeCount === 1);
    expect(h.transport.unsettledCount()).toBe(1);
    gate.resolve();
    await h.backend.waitForResult(String(msg.headers.id), 2000);
    await h.worker.waitIdle();
    expect(h.transport.unsettledCount()).toBe(0);
  });

  it('warm shutdown finishes running tasks and gives back prefetched ones', async () => {
    const app = new Celery('t');
    const gate = deferred();
    app.task('tapp.slow', async () => { await gate.promise; return 1; });
    const h = await startWorker(app, { worker_concurrency: 1, worker_prefetch_multiplier: 4 });
    const msgs = Array.from({ length: 3 }, () => wireTask('tapp.slow'));
    for (const m of msgs) await h.transport.publish(m, Q);
    await waitFor(() => h.worker.activeCount === 1);
    const closing = h.worker.close();
    const first = h.backend.waitForResult(String(msgs[0]?.headers.id), 2000);
    gate.resolve();
    expect((await first).status).toBe('SUCCESS');
    await closing;
    expect(h.worker.counters.succeeded).toBe(1);
    expect(await h.transport.queueLength('celery')).toBe(2);
  });

  it('does not run a task carrying a stamp flagged by revoke_by_stamped_headers, on arrival or when its ETA comes', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const timers: Array<{ at: number; fn: () => void }> = [];
    const clock: Clock = {
      now: () => now,
      setTimer: (fn, ms) => { const t = { at: now + ms, fn }; timers.push(t); return () => timers.splice(timers.indexOf(t), 1); },
    };
    const app = new Celery('t');
    const ran: string[] = [];
    app.task('tapp.add', (task: { request: { id: string; stamps: Record<string, unknown> } }, x: number) => {
      ran.push(task.request.id);
      return { x, stamps: task.request.stamps };
    }, { bind: true });
    const h = await startWorker(app, { result_extended: true }, clock);
    const stamp = (mid: unknown) => ({ stamped_headers: ['monitoring_id'], stamps: { monitoring_id: mid } });
    const due = wireTask('tapp.add', [1], { eta: '2026-01-01T00:00:10+00:00', headers: stamp(['late', 'x']) });
    await h.transport.publish(due, Q);
    await waitFor(() => timers.length === 1);
    h.worker.revokedStamps.add({ monitoring_id: ['now', 'late'] });
    const flagged = wireTask('tapp.add', [2], { headers: stamp('now') });
    const other = wireTask('tapp.add', [3], { headers: stamp('other') });
    // as Celery's strategy: a stamp-revoked ETA task without expires is held until due, then revoked
    const heldToo = wireTask('tapp.add', [4], { eta: '2026-01-01T00:00:10+00:00', headers: stamp('now') });
    await h.transport.publish(heldToo, Q);
    await waitFor(() => timers.length === 2);
    await h.transport.publish(flagged, Q);
    await h.transport.publish(other, Q);
    expect((await h.backend.waitForResult(String(flagged.headers.id), 2000)).status).toBe('REVOKED');
    const ok = await h.backend.waitForResult(String(other.headers.id), 2000);
    expect(ok.result).toEqual({ x: 3, stamps: { monitoring_id: 'other' } });
    // stored as Backend._get_result_meta does: stamped_headers, then each stamp as its own key
    expect(ok.extended).toMatchObject({ stampedHeaders: ['monitoring_id'], stamps: { monitoring_id: 'other' } });
    expect(await h.backend.getTaskMeta(String(heldToo.headers.id))).toBeNull();
    now += 10_000;
    for (const t of timers.splice(0)) t.fn();
    expect((await h.backend.waitForResult(String(due.headers.id), 2000)).status).toBe('REVOKED');
    expect((await h.backend.waitForResult(String(heldToo.headers.id), 2000)).status).toBe('REVOKED');
    expect(ran).toEqual([other.headers.id]);
    expect(h.logs.some((l) => l.msg === 'task revoked by stamped header' && JSON.stringify(l.revokedByHeader) === '{"monitoring_id":"late"}')).toBe(true);
  });

  it('holds an ETA task until due and stores REVOKED for an expired one', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const timers: Array<{ at: number; fn: () => void }> = [];
    const clock: Clock = {
      now: () => now,
      setTimer: (fn, ms) => { const t = { at: now + ms, fn }; timers.push(t); return () => timers.splice(timers.indexOf(t), 1); },
    };
    const app = new Celery('t');
    app.task('tapp.add', (x: number, y: number) => x + y);
    const h = await startWorker(app, {}, clock);
    const later = wireTask('tapp.add', [1, 2], { eta: '2026-01-01T00:00:10+00:00' });
    const expired = wireTask('tapp.add', [1, 2], { expires: '2025-12-31T23:59:59+00:00' });
    await h.transport.publish(later, Q);
    await h.transport.publish(expired, Q);
    const revoked = await h.backend.waitForResult(String(expired.headers.id), 2000);
    expect(revoked.status).toBe('REVOKED');
    expect(JSON.stringify(revoked.result)).toContain('expired');
    await waitFor(() => timers.length === 1);
    expect(await h.backend.getTaskMeta(String(later.headers.id))).toBeNull();
    expect(h.transport.unsettledCount()).toBe(1);
    now += 10_000;
    timers.shift()?.fn();
    expect((await h.backend.waitForResult(String(later.headers.id), 2000)).result).toBe(3);
  });

  it('stores custom states from updateState and honours ignore_result', async () => {
    const app = new Celery('t');
    const seen = deferred<string>();
    app.task('tapp.progress', async (task: { updateState: (s: string, m: unknown) => Promise<void>; request: { id: string } }) => {
      await task.updateState('PROGRESS', { current: 1, total: 2 });
      seen.resolve(task.request.id);
      return 'ok';
    }, { bind: true });
    app.task('tapp.quiet', () => 'nobody reads this');
    const h = await startWorker(app);
    const p = wireTask('tapp.progress');
    await h.transport.publish(p, Q);
    expect((await h.backend.waitForResult(String(p.headers.id), 2000)).result).toBe('ok');
    const quiet = wireTask('tapp.quiet', [], { ignoreResult: true });
    await h.transport.publish(quiet, Q);
    await waitFor(() => h.worker.counters.succeeded === 2);
    expect(await h.backend.getTaskMeta(String(quiet.headers.id))).toBeNull();
  });

  it('fails a task whose result cannot be serialized with EncodeError', async () => {
    const app = new Celery('t');
    app.task('tapp.weird', () => { const o: Record<string, unknown> = {}; o.self = o; return o; });
    const h = await startWorker(app);
    const msg = wireTask('tapp.weird');
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    const info = meta.result as Record<string, unknown>;
    expect(meta.status).toBe('FAILURE');
    expect(info.excType ?? info.exc_type).toBe('EncodeError');
  });
});

/** Waits for a condition driven by the worker's own event loop turns (no fixed sleeps). */
async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
