// Holding messages safely: the visibility keeper (fake clock, fake deliveries), and a worker on the
// in-memory transport refreshing held messages, capping the ETA prefetch raise, and returning running
// acks-late tasks at the soft shutdown timeout.
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { loadConfig } from '../../../src/config/load-config';
import type { SettingsInput } from '../../../src/config/settings-schema';
import type { Route } from '../../../src/protocol/kombu-message';
import type { Delivery } from '../../../src/transport/transport';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import type { Clock } from '../../../src/worker/clock';
import { VisibilityKeeper, visibilityTimeoutSecOf } from '../../../src/worker/visibility-keeper';
import { Worker } from '../../../src/worker/worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
const silent = pino({ level: 'silent' });

function manualClock(): Clock & { fire(): void; timers: Array<{ ms: number; fn: () => void }> } {
  const timers: Array<{ ms: number; fn: () => void }> = [];
  return {
    timers,
    now: () => 0,
    setTimer: (fn, ms) => { const t = { ms, fn }; timers.push(t); return () => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); }; },
    fire() { const t = timers.shift(); t?.fn(); },
  };
}

function fakeDelivery(tag: string, touch: () => Promise<void>): Delivery {
  return { message: wireTask('t', []), deliveryTag: tag, queue: 'celery', route: Q, redelivered: false,
    ack: async () => undefined, reject: async () => undefined, touch };
}

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

describe('VisibilityKeeper', () => {
  it('reads visibility_timeout from the transport options, else kombu default 3600 s', () => {
    expect(visibilityTimeoutSecOf({ visibility_timeout: 30 })).toBe(30);
    expect(visibilityTimeoutSecOf({ visibility_timeout: '12.5' })).toBe(12.5);
    expect(visibilityTimeoutSecOf({})).toBe(3600);
    expect(visibilityTimeoutSecOf({ visibility_timeout: -1 })).toBe(3600);
  });

  it('touches every held delivery every third of the visibility timeout until closed', async () => {
    const clock = manualClock();
    const touched: string[] = [];
    let held = [fakeDelivery('a', async () => { touched.push('a'); }), fakeDelivery('b', async () => { touched.push('b'); })];
    const keeper = new VisibilityKeeper({ visibilityTimeoutSec: 30, held: () => held, clock, log: silent });
    keeper.start();
    keeper.start();
    expect(clock.timers.map((t) => t.ms)).toEqual([10_000]);
    clock.fire();
    await waitFor(() => touched.length === 2 && clock.timers.length === 1);
    held = held.slice(1);
    clock.fire();
    await waitFor(() => touched.length === 3 && clock.timers.length === 1);
    expect(touched).toEqual(['a', 'b', 'b']);
    await keeper.close();
    expect(clock.timers).toHaveLength(0);
  });

  it('one failing touch is logged and does not stop the others', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (o: unknown) => warnings.push(o), debug: () => undefined } as unknown as typeof silent;
    let ok = 0;
    const keeper = new VisibilityKeeper({ visibilityTimeoutSec: 3, clock: manualClock(), log,
      held: () => [fakeDelivery('bad', () => Promise.reject(new Error('redis down'))), fakeDelivery('good', async () => { ok++; })] });
    expect(await keeper.refreshNow()).toBe(1);
    expect(ok).toBe(1);
    expect(warnings).toHaveLength(1);
    await keeper.close();
  });
});

describe('worker holding messages', () => {
  const open: Worker[] = [];
  afterEach(async () => { await Promise.all(open.splice(0).map((w) => w.close())); });

  async function start(app: Celery, conf: SettingsInput = {}) {
    const transport = new MemoryTransport();
    const backend = new MemoryResultBackend();
    const worker = new Worker({ app, transport, backend, settings: loadConfig({}, { worker_concurrency: 1, ...conf }), hostname: 'ts1@test',
      logger: silent, followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
    await worker.start();
    open.push(worker);
    return { worker, transport, backend };
  }

  it('refreshes an ETA-held message on the keeper interval (visibility_timeout / 3)', async () => {
    const app = new Celery('t');
    app.task('t.add', (x: number, y: number) => x + y);
    const h = await start(app, { broker_transport_options: { visibility_timeout: 0.03 } });
    await h.transport.publish(wireTask('t.add', [1, 2], { eta: new Date(Date.now() + 3_600_000).toISOString() }), Q);
    await waitFor(() => h.worker.scheduledRequests().length === 1);
    await waitFor(() => h.transport.touches >= 2);
    expect(h.transport.unsettledCount()).toBe(1);
  });

  it('worker_eta_task_limit caps the prefetch that held ETA messages raise (Celery QoS max_prefetch)', async () => {
    const app = new Celery('t');
    app.task('t.add', (x: number, y: number) => x + y);
    const h = await start(app, { worker_prefetch_multiplier: 1, worker_eta_task_limit: 3 });
    const eta = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 0; i < 5; i++) await h.transport.publish(wireTask('t.add', [i, 0], { eta }), Q);
    await waitFor(() => h.worker.scheduledRequests().length === 3);
    expect(h.worker.prefetchCount()).toBe(3);
    expect(await h.transport.queueLength('celery')).toBe(2);
  });

  it('without worker_eta_task_limit every held ETA message raises the prefetch by one', async () => {
    const app = new Celery('t');
    app.task('t.add', (x: number, y: number) => x + y);
    const h = await start(app, { worker_prefetch_multiplier: 1 });
    const eta = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 0; i < 5; i++) await h.transport.publish(wireTask('t.add', [i, 0], { eta }), Q);
    await waitFor(() => h.worker.scheduledRequests().length === 5);
    expect(h.worker.prefetchCount()).toBe(6);
  });

  it('soft shutdown timeout: a running acks-late task goes back to its queue, its signal aborts, no result is stored', async () => {
    const app = new Celery('t');
    let aborted: unknown = null;
    let startedRun!: () => void;
    const started = new Promise<void>((r) => { startedRun = r; });
    app.task('t.slow', (task: { signal: AbortSignal }) => new Promise((resolve) => {
      startedRun();
      task.signal.addEventListener('abort', () => { aborted = task.signal.reason; resolve('late'); });
    }), { bind: true, acksLate: true });
    const h = await start(app, { worker_soft_shutdown_timeout: 0.05 });
    const msg = wireTask('t.slow', []);
    await h.transport.publish(msg, Q);
    await started;
    await h.worker.close();
    expect(aborted).toBe('returned-at-shutdown');
    expect(await h.transport.queueLength('celery')).toBe(1);
    // the run ended on the abort; its value was discarded, not stored as SUCCESS
    await waitFor(() => h.worker.counters.rejected === 1);
    expect(h.worker.counters.succeeded).toBe(0);
  });

  it('cold shutdown (terminate) gives back a running acks-late task and held messages at once', async () => {
    const app = new Celery('t');
    let startedRun!: () => void;
    const started = new Promise<void>((r) => { startedRun = r; });
    let finish!: () => void;
    app.task('t.slow', () => new Promise<void>((resolve) => { finish = resolve; startedRun(); }), { acksLate: true });
    const h = await start(app);
    await h.transport.publish(wireTask('t.slow', []), Q);
    await h.transport.publish(wireTask('t.slow', [], { eta: new Date(Date.now() + 3_600_000).toISOString() }), Q);
    await started;
    await waitFor(() => h.worker.scheduledRequests().length === 1);
    await h.worker.terminate();
    expect(await h.transport.queueLength('celery')).toBe(2);
    expect(h.transport.unsettledCount()).toBe(0);
    finish();
  });
});
