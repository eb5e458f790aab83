// The worker's reaction to the control signals a task throws (Retry, Reject, Ignore) and to revokes,
// on the in-memory transport and result backend.
import { Celery } from '../../../src/app/celery';
import type { TaskContext } from '../../../src/app/task-context';
import { Ignore, Reject } from '../../../src/canvas/task-signals';
import type { SettingsInput } from '../../../src/config/settings-schema';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import type { Clock } from '../../../src/worker/clock';
import { closeMemoryWorkers, manualClock, startMemoryWorker, waitFor } from '../../helpers/memory-worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
const T0 = Date.parse('2026-01-01T00:00:00Z');

afterEach(closeMemoryWorkers);

const startWorker = (app: Celery, conf: SettingsInput = {}, clock?: Clock) => startMemoryWorker(app, { conf, ...(clock ? { clock } : {}) });

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}


const decode = (m: KombuMessage) => decodeTaskMessage(m, { accept: ['json'], maxBodyBytes: 1e7 });
const excOf = (meta: ResultMeta | null): Record<string, unknown> => (meta?.result ?? {}) as Record<string, unknown>;

describe('task.retry()', () => {
  it('publishes the same id with retries+1 and an eta, stores RETRY with the retry in children, and runs the retry when due', async () => {
    const clock = manualClock(T0);
    const app = new Celery('t');
    const seen: number[] = [];
    app.task('tapp.flaky', (task: TaskContext, x: number) => {
      seen.push(task.request.retries);
      if (task.request.retries < 2) task.retry({ countdown: 30, exc: new RangeError(`not yet ${x}`) });
      return x * 2;
    }, { bind: true });
    const h = await startWorker(app, {}, clock);
    const msg = wireTask('tapp.flaky', [21]);
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    h.published.length = 0;

    await waitFor(() => h.worker.counters.retried === 1 && clock.timers.length === 1);
    await h.worker.waitIdle();
    expect(h.published).toHaveLength(1);
    const first = h.published[0] as { message: KombuMessage; route: Route };
    expect(first.route).toEqual(Q);
    const retry = decode(first.message);
    expect(retry.id).toBe(id);
    expect(retry.retries).toBe(1);
    expect(retry.args).toEqual([21]);
    expect(retry.eta?.getTime()).toBe(T0 + 30_000);
    expect(retry.rootId).toBe(id);
    expect(retry.parentId).toBe(id);
    const meta = await h.backend.getTaskMeta(id);
    expect(meta?.status).toBe('RETRY');
    expect(meta?.children).toEqual([[[id, null], null]]);
    expect(excOf(meta).excType ?? excOf(meta).exc_type).toBe('ValueError');
    // the retry came back to this worker and is held until its eta
    expect(h.worker.scheduledRequests().map((r) => r.id)).toEqual([id]);

    clock.advance(30_000);
    await waitFor(() => h.worker.counters.retried === 2 && clock.timers.length === 1);
    expect(decode((h.published[1] as { message: KombuMessage }).message).retries).toBe(2);
    clock.advance(30_000);
    const done = await h.backend.waitForResult(id, 2000);
    expect(done.status).toBe('SUCCESS');
    expect(done.result).toBe(42);
    expect(seen).toEqual([0, 1, 2]);
    await waitFor(() => h.worker.counters.succeeded === 1);
    expect(h.worker.counters).toMatchObject({ retried: 2, succeeded: 1, failed: 0 });
  });

  it('stores a null RETRY result when retry() is called without exc, as Python stores Retry.exc', async () => {
    const app = new Celery('t');
    app.task('tapp.later', (task: TaskContext) => task.retry({ countdown: 60 }), { bind: true });
    const h = await startWorker(app, {}, manualClock(T0));
    const msg = wireTask('tapp.later');
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.counters.retried === 1);
    await h.worker.waitIdle();
    const meta = await h.backend.getTaskMeta(String(msg.headers.id));
    expect(meta?.status).toBe('RETRY');
    expect(meta?.result).toBeNull();
    expect(meta?.traceback).toContain('Retry');
  });

  it('fails with MaxRetriesExceededError past maxRetries and publishes nothing', async () => {
    const app = new Celery('t');
    app.task('tapp.tired', (task: TaskContext) => task.retry({ countdown: 1, maxRetries: 2 }), { bind: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.tired', [1], { retries: 2 });
    await h.transport.publish(msg, Q);
    h.published.length = 0;
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.status).toBe('FAILURE');
    expect(excOf(meta).excType ?? excOf(meta).exc_type).toBe('MaxRetriesExceededError');
    expect(excOf(meta).excModule ?? excOf(meta).exc_module).toBe('celery.exceptions');
    expect(JSON.stringify(meta.result)).toContain(`Can't retry tapp.tired[${String(msg.headers.id)}]`);
    expect(h.published).toHaveLength(0);
  });

  it('past maxRetries re-throws the given exc instead', async () => {
    const app = new Celery('t');
    app.task('tapp.tired', (task: TaskContext) => task.retry({ exc: new TypeError('gave up'), maxRetries: 0 }), { bind: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.tired');
    await h.transport.publish(msg, Q);
    h.published.length = 0;
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.status).toBe('FAILURE');
    expect(excOf(meta).excType ?? excOf(meta).exc_type).toBe('TypeError');
    expect(excOf(meta).excMessage ?? excOf(meta).exc_message).toEqual(['gave up']);
    expect(h.published).toHaveLength(0);
  });
});

describe('Reject and Ignore', () => {
  it('Reject(requeue=true) puts the message back and stores nothing for the rejected run', async () => {
    const app = new Celery('t');
    const gate = deferred();
    const redelivered: boolean[] = [];
    app.task('tapp.picky', async (task: TaskContext) => {
      redelivered.push(task.request.deliveryInfo.redelivered);
      if (redelivered.length === 1) throw new Reject('not now', true);
      await gate.promise;
      return 'second time';
    }, { bind: true, acksLate: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.picky');
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    await waitFor(() => redelivered.length === 2);
    expect(h.worker.counters.rejected).toBe(1);
    expect(await h.backend.getTaskMeta(id)).toBeNull();
    expect(redelivered).toEqual([false, true]);
    gate.resolve();
    expect((await h.backend.waitForResult(id, 2000)).result).toBe('second time');
  });

  it('Reject(requeue=false) drops the message and stores nothing', async () => {
    const app = new Celery('t');
    let calls = 0;
    app.task('tapp.picky', () => { calls++; throw new Reject('never', false); }, { acksLate: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.picky');
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.counters.rejected === 1);
    await h.worker.waitIdle();
    expect(calls).toBe(1);
    expect(await h.transport.queueLength('celery')).toBe(0);
    expect(h.transport.unsettledCount()).toBe(0);
    expect(await h.backend.getTaskMeta(String(msg.headers.id))).toBeNull();
  });

  it('Ignore acks the message and stores no result', async () => {
    const app = new Celery('t');
    app.task('tapp.quiet', () => { throw new Ignore(); }, { acksLate: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.quiet');
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.counters.ignored === 1);
    await h.worker.waitIdle();
    expect(await h.transport.queueLength('celery')).toBe(0);
    expect(h.transport.unsettledCount()).toBe(0);
    expect(await h.backend.getTaskMeta(String(msg.headers.id))).toBeNull();
    expect(h.worker.counters.failed).toBe(0);
  });
});

describe('revoke', () => {
  it('a revoked id arriving later is stored REVOKED and not run', async () => {
    const app = new Celery('t');
    let calls = 0;
    app.task('tapp.add', (x: number, y: number) => { calls++; return x + y; });
    const h = await startWorker(app);
    const msg = wireTask('tapp.add', [1, 2]);
    expect(h.worker.revoke([String(msg.headers.id)], { terminate: false })).toEqual([]);
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.status).toBe('REVOKED');
    expect(excOf(meta).excType ?? excOf(meta).exc_type).toBe('TaskRevokedError');
    expect(JSON.stringify(meta.result)).toContain('revoked');
    await h.worker.waitIdle();
    expect(calls).toBe(0);
    expect(h.transport.unsettledCount()).toBe(0);
  });

  it('revoke with terminate aborts a running bound task, stores REVOKED terminated and discards its later return value', async () => {
    const app = new Celery('t');
    const started = deferred<string>();
    const finish = deferred();
    let sawAbort = false;
    app.task('tapp.long', async (task: TaskContext) => {
      started.resolve(task.request.id);
      await new Promise<void>((resolve) => task.signal.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = true;
      await finish.promise;
      return 'too late';
    }, { bind: true });
    const h = await startWorker(app);
    const msg = wireTask('tapp.long');
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    expect(await started.promise).toBe(id);
    expect(h.worker.revoke([id], { terminate: true })).toEqual([id]);
    const meta = await h.backend.waitForResult(id, 2000);
    expect(meta.status).toBe('REVOKED');
    expect(JSON.stringify(meta.result)).toContain('terminated');
    expect(sawAbort).toBe(true);
    finish.resolve();
    await waitFor(() => h.worker.counters.revoked === 1);
    await h.worker.waitIdle();
    const after = await h.backend.getTaskMeta(id);
    expect(after?.status).toBe('REVOKED');
    expect(h.worker.counters.succeeded).toBe(0);
  });
});
