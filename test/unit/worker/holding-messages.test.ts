// Holding messages safely: a worker on the in-memory transport capping the ETA prefetch raise and
// returning running acks-late tasks at the soft and cold shutdowns. (Keeping held messages from
// redelivery is the Redis transport's job: test/integration/transport/redis-transport-keeper.test.ts.)
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import type { StoreOptions } from '../../../src/backend/result-backend';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import { ManualClock } from '../../../src/testing/manual-clock';
import { loadConfig } from '../../../src/config/load-config';
import type { SettingsInput } from '../../../src/config/settings-schema';
import type { Route } from '../../../src/protocol/kombu-message';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import type { Consumer, Delivery } from '../../../src/transport/transport';
import { Worker } from '../../../src/worker/worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
const silent = pino({ level: 'silent' });

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

describe('worker holding messages', () => {
  const open: Worker[] = [];
  afterEach(async () => { await Promise.all(open.splice(0).map((w) => w.close())); });

  async function start(app: Celery, conf: SettingsInput = {}, backend = new MemoryResultBackend(), clock?: ManualClock) {
    const transport = new MemoryTransport();
    const worker = new Worker({ app, transport, backend, settings: loadConfig({}, { worker_concurrency: 1, ...conf }), hostname: 'ts1@test',
      logger: silent, followUps: { hostname: 'gen1@test', replyTo: 'oid-test' }, ...(clock ? { clock } : {}) });
    await worker.start();
    open.push(worker);
    return { worker, transport, backend };
  }

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

  it('soft shutdown timeout: a task whose handler returned is not given back while its result is written; it settles once', async () => {
    const app = new Celery('t');
    app.task('t.quick', () => 'done', { acksLate: true });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let storing!: () => void;
    const storeCalled = new Promise<void>((r) => { storing = r; });
    // The first store is held on the wire until the soft-shutdown timeout has fired.
    const stored: string[] = [];
    class HeldBackend extends MemoryResultBackend {
      override async storeResult(meta: ResultMeta, options?: StoreOptions): Promise<boolean> {
        storing();
        await gate;
        stored.push(`${meta.taskId} ${meta.status}`);
        return super.storeResult(meta, options);
      }
    }
    const clock = new ManualClock();
    const h = await start(app, { worker_soft_shutdown_timeout: 1 }, new HeldBackend(), clock);
    const msg = wireTask('t.quick', []);
    await h.transport.publish(msg, Q);
    await storeCalled;
    const closing = h.worker.close();
    // close() arms the soft-shutdown timer once consuming stopped; then time passes it.
    await waitFor(() => clock.pendingTimers().some((at) => at >= clock.now() + 1000));
    clock.advance(1000);
    await waitFor(() => h.transport.unsettledCount() === 1 && h.worker.counters.succeeded === 0);
    // Nothing was given back while the write was out; the write lands, the message is acked.
    expect(await h.transport.queueLength('celery')).toBe(0);
    release();
    await closing;
    expect(await h.transport.queueLength('celery')).toBe(0);
    expect(h.transport.unsettledCount()).toBe(0);
    expect(h.worker.counters.succeeded).toBe(1);
    expect(stored).toEqual([`${msg.headers.id as string} SUCCESS`]);
  });

  it('a warm shutdown cancels the ETA hold of each delivery, also of two deliveries of one message under one tag', async () => {
    // A message restored elsewhere while held here comes back with the same task id and delivery tag.
    class SameTagTransport extends MemoryTransport {
      override consume(queues: readonly string[], prefetch: number, onDelivery: (d: Delivery) => void): Promise<Consumer> {
        return super.consume(queues, prefetch, (d) => onDelivery(Object.create(d, { deliveryTag: { value: 'tag-same' } }) as Delivery));
      }
    }
    const app = new Celery('t');
    app.task('t.add', (a: number, b: number) => a + b);
    const clock = new ManualClock();
    const transport = new SameTagTransport();
    const worker = new Worker({ app, transport, backend: new MemoryResultBackend(), settings: loadConfig({}, { worker_concurrency: 1 }),
      hostname: 'ts1@test', logger: silent, followUps: { hostname: 'gen1@test', replyTo: 'oid-test' }, clock });
    await worker.start();
    const etaMs = clock.now() + 3_600_000;
    const eta = new Date(etaMs).toISOString();
    for (let i = 0; i < 2; i++) await transport.publish(wireTask('t.add', [i, 0], { eta, id: 'same-id' }), Q);
    await waitFor(() => worker.scheduledRequests().length === 2);
    expect(clock.pendingTimers().filter((at) => at === etaMs)).toHaveLength(2);
    await worker.close();
    expect(clock.pendingTimers().filter((at) => at === etaMs)).toEqual([]);
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
