// The Worker routing `pool: 'threads'` tasks to its ThreadPool, on the in-memory transport and result backend.
import { join } from 'node:path';
import pino from 'pino';
import type { Celery } from '../../../../src/app/celery';
import { MemoryResultBackend } from '../../../../src/backend/memory-result-backend';
import { loadConfig } from '../../../../src/config/load-config';
import type { SettingsInput } from '../../../../src/config/settings-schema';
import type { KombuMessage, Route } from '../../../../src/protocol/kombu-message';
import type { ResultMeta } from '../../../../src/protocol/result-meta';
import { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import { Worker } from '../../../../src/worker/worker';
import { wireTask } from '../../../helpers/task-wire';

const APP_PATH = join(__dirname, 'fixtures', 'cpu-app.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = require(APP_PATH) as Celery;
const Q: Route = { exchange: '', routingKey: 'celery' };
// Pool threads transpile the TypeScript sources on start (~1 s each under jest).
jest.setTimeout(30_000);

interface Harness {
  worker: Worker;
  transport: MemoryTransport;
  backend: MemoryResultBackend;
  published: KombuMessage[];
  /** Every state stored, in order, per task id. */
  states: Map<string, string[]>;
}

const open: Worker[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

async function startWorker(conf: SettingsInput = {}): Promise<Harness> {
  const transport = new MemoryTransport();
  const backend = new MemoryResultBackend();
  const settings = loadConfig({}, { worker_concurrency: 2, ...conf });
  const worker = new Worker({ app, transport, backend, settings, hostname: 'ts1@test', logger: pino({ level: process.env.CELERIAC_TEST_LOG ?? 'silent' }), appPath: APP_PATH,
    followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
  const published: KombuMessage[] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (message, route) => { published.push(message); return publish(message, route); };
  const states = new Map<string, string[]>();
  const store = backend.storeResult.bind(backend);
  backend.storeResult = (meta, options) => {
    states.set(meta.taskId, [...(states.get(meta.taskId) ?? []), meta.status]);
    return store(meta, options);
  };
  await worker.start();
  open.push(worker);
  return { worker, transport, backend, published, states };
}

const idOf = (m: KombuMessage): string => String(m.headers.id);
const excOf = (meta: ResultMeta): Record<string, unknown> => meta.result as Record<string, unknown>;

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Worker with the threads pool', () => {
  it('a hard time limit stops a busy-looping task; event-loop tasks and timers keep running meanwhile', async () => {
    const h = await startWorker();
    const spin = wireTask('cpu.spin', [], { headers: { timelimit: [1.5, null] } });
    await h.transport.publish(spin, Q);
    await waitFor(() => h.worker.activeCount === 1);
    let ticks = 0;
    const interval = setInterval(() => { ticks++; }, 5);
    const add = wireTask('loop.add', [2, 3]);
    await h.transport.publish(add, Q);
    try {
      const added = await h.backend.waitForResult(idOf(add), 5000);
      expect(added.result).toBe(5);
      // The spinning task is still running: the event loop served another task beside it.
      expect(await h.backend.getTaskMeta(idOf(spin))).toBeNull();
      const failed = await h.backend.waitForResult(idOf(spin), 10_000);
      expect(failed.status).toBe('FAILURE');
      expect(excOf(failed)).toMatchObject({ excType: 'TimeLimitExceeded', excMessage: [1.5], excModule: 'billiard.exceptions' });
      expect(ticks).toBeGreaterThan(20);
    } finally {
      clearInterval(interval);
    }
    await waitFor(() => h.worker.counters.failed === 1);
  });

  it('a soft limit from the message header aborts the task signal inside the thread', async () => {
    const h = await startWorker();
    const msg = wireTask('cpu.until_soft', [], { headers: { timelimit: [null, 0.2] } });
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(idOf(msg), 10_000);
    expect(meta.result).toMatchObject({ name: 'SoftTimeLimitExceeded', limitSec: 0.2, pythonType: 'SoftTimeLimitExceeded' });
  });

  it('stores WorkerLostError (billiard.exceptions) when the thread dies mid-task', async () => {
    const h = await startWorker();
    const msg = wireTask('cpu.exit', [3]);
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(idOf(msg), 10_000);
    expect(meta.status).toBe('FAILURE');
    expect(excOf(meta)).toMatchObject({ excType: 'WorkerLostError', excMessage: ['Worker exited prematurely: exitcode 3.'], excModule: 'billiard.exceptions' });
  });

  it('acks_late + task_reject_on_worker_lost requeues the message instead of storing a failure', async () => {
    const h = await startWorker({ task_reject_on_worker_lost: true });
    const msg = wireTask('cpu.crash_once');
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(idOf(msg), 15_000);
    expect(meta.result).toBe('second delivery');
    expect(h.worker.counters.rejected).toBe(1);
    expect(h.states.get(idOf(msg))).toEqual(['SUCCESS']);
  });

  it('without task_reject_on_worker_lost the lost acks_late task fails and its message is acked', async () => {
    const h = await startWorker();
    const msg = wireTask('cpu.crash_once');
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(idOf(msg), 10_000);
    expect(excOf(meta)).toMatchObject({ excType: 'WorkerLostError' });
    await h.worker.waitIdle();
    expect(h.transport.unsettledCount()).toBe(0);
    expect(await h.transport.queueLength('celery')).toBe(0);
  });

  it('bound tasks in a thread store custom states and retry through the main thread', async () => {
    const h = await startWorker();
    const progress = wireTask('cpu.progress', [7]);
    await h.transport.publish(progress, Q);
    expect((await h.backend.waitForResult(idOf(progress), 10_000)).result).toBe(idOf(progress));
    expect(h.states.get(idOf(progress))).toEqual(['PROGRESS', 'SUCCESS']);

    const retry = wireTask('cpu.retry');
    await h.transport.publish(retry, Q);
    await waitFor(() => h.worker.counters.retried === 1);
    const meta = await h.backend.getTaskMeta(idOf(retry));
    expect(meta?.status).toBe('RETRY');
    expect(meta?.result).toMatchObject({ excType: 'ValueError', excMessage: ['flaky'] });
    const resent = h.published.find((m) => idOf(m) === idOf(retry) && m.headers.retries === 1);
    expect(resent?.headers.eta).toEqual(expect.any(String));
  });

  it('revoke with terminate stops a busy-looping thread task and stores REVOKED', async () => {
    const h = await startWorker();
    const spin = wireTask('cpu.spin');
    await h.transport.publish(spin, Q);
    await waitFor(() => h.worker.activeRequests().some((r) => r.timeStartSec !== null));
    expect(h.worker.revoke([idOf(spin)], { terminate: true })).toEqual([idOf(spin)]);
    await waitFor(() => h.worker.counters.revoked === 1);
    expect((await h.backend.getTaskMeta(idOf(spin)))?.status).toBe('REVOKED');
  });

  it('worker_pool=threads runs tasks without a pool option on threads; the default runs them on the event loop', async () => {
    const threaded = await startWorker({ worker_pool: 'threads' });
    const a = wireTask('plain.thread_id');
    await threaded.transport.publish(a, Q);
    expect((await threaded.backend.waitForResult(idOf(a), 10_000)).result).toBeGreaterThan(0);
    const evented = await startWorker();
    const b = wireTask('plain.thread_id');
    await evented.transport.publish(b, Q);
    expect((await evented.backend.waitForResult(idOf(b), 10_000)).result).toBe(0);
  });
});
