// How executeTask settles a message by what the ResultWriter could store (issue 12): stored → ack,
// replaced by EncodeError → ack and fail, unstored → an acks-late message goes back to run again.
import { Writable } from 'node:stream';
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { BackendError } from '../../../src/errors/celeriac-error';
import type { Route } from '../../../src/protocol/kombu-message';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import type { TaskEventType } from '../../../src/worker/worker-state';
import { closeMemoryWorkers, manualClock, startMemoryWorker, waitFor, type MemoryWorkerHarness } from '../../helpers/memory-worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
afterEach(closeMemoryWorkers);

/** Log records as objects, for asserting what the worker said. */
function capturedLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Makes the harness backend throw a transient BackendError while `down()` is true; counts stores per status. */
function breakBackend(h: MemoryWorkerHarness, down: () => boolean): Map<string, number> {
  const attempts = new Map<string, number>();
  const store = h.backend.storeResult.bind(h.backend);
  h.backend.storeResult = async (meta: ResultMeta, options) => {
    attempts.set(meta.status, (attempts.get(meta.status) ?? 0) + 1);
    if (down()) throw new BackendError('CELERIAC_BACKEND_IO', 'result backend store failed: connect ECONNREFUSED');
    return store(meta, options);
  };
  return attempts;
}

function appWith(): { app: Celery; runs: Map<string, number> } {
  const app = new Celery('t');
  const runs = new Map<string, number>();
  const count = (name: string): void => { runs.set(name, (runs.get(name) ?? 0) + 1); };
  app.task('t.add', (x: number, y: number) => { count('t.add'); return x + y; });
  app.task('t.fail', () => { count('t.fail'); throw new Error('boom'); });
  app.task('t.deep', () => { let v: unknown = 0; for (let i = 0; i < 3000; i++) v = [v]; return v; });
  app.task('t.huge', () => 'я'.repeat(70e6));
  app.task('t.fn', () => ({ f: () => 1 }));
  app.task('t.sized', (n: number) => 'x'.repeat(n));
  return { app, runs };
}

describe('executeTask: settling by what was stored', () => {
  it('acks_late: a result that cannot be stored gives the message back; it runs again and ends SUCCESS, nothing left unacked', async () => {
    const { app, runs } = appWith();
    const { logger, lines } = capturedLogger();
    const h = await startMemoryWorker(app, { conf: { task_acks_late: true, result_backend_max_retries: 0 }, logger });
    let failuresLeft = 2;
    const attempts = breakBackend(h, () => failuresLeft-- > 0);
    const msg = wireTask('t.add', [2, 3]);
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 5 });
    await waitFor(() => h.worker.counters.succeeded === 1);
    await h.worker.waitIdle();
    expect(runs.get('t.add')).toBe(3);
    expect(attempts.get('SUCCESS')).toBe(3);
    expect(h.worker.counters).toMatchObject({ succeeded: 1, rejected: 2 });
    expect(h.transport.unsettledCount()).toBe(0);
    expect(await h.transport.queueLength('celery')).toBe(0);
    expect(lines.filter((l) => l.msg === 'task outcome could not be stored; message returned to its queue to run again')).toHaveLength(2);
  });

  it('acks_late: a failure that cannot be stored is given back too, and the FAILURE is stored on the next run', async () => {
    const { app, runs } = appWith();
    const h = await startMemoryWorker(app, { conf: { task_acks_late: true, result_backend_max_retries: 0 } });
    let failuresLeft = 1;
    breakBackend(h, () => failuresLeft-- > 0);
    const msg = wireTask('t.fail');
    await h.transport.publish(msg, Q);
    expect((await h.backend.waitForResult(String(msg.headers.id), 2000)).status).toBe('FAILURE');
    await waitFor(() => h.worker.counters.failed === 1);
    await h.worker.waitIdle();
    expect(runs.get('t.fail')).toBe(2);
    expect(h.worker.counters).toMatchObject({ failed: 1, rejected: 1 });
    expect(h.transport.unsettledCount()).toBe(0);
  });

  it('a transient store failure is retried (backoff on the worker clock) without running the task again', async () => {
    const { app, runs } = appWith();
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const h = await startMemoryWorker(app, { conf: { task_acks_late: true }, clock });
    let failuresLeft = 2;
    breakBackend(h, () => failuresLeft-- > 0);
    const msg = wireTask('t.add', [1, 1]);
    await h.transport.publish(msg, Q);
    for (let i = 0; i < 2; i++) {
      await waitFor(() => clock.timers.length === 1);
      clock.advance(10_000);
    }
    expect((await h.backend.waitForResult(String(msg.headers.id), 2000)).result).toBe(2);
    await waitFor(() => h.worker.counters.succeeded === 1);
    await h.worker.waitIdle();
    expect(runs.get('t.add')).toBe(1);
    expect(h.worker.counters).toMatchObject({ succeeded: 1, rejected: 0 });
    expect(h.transport.unsettledCount()).toBe(0);
  });

  it('a warm shutdown stops the retries and the acks-late message goes back to its queue', async () => {
    const { app } = appWith();
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const h = await startMemoryWorker(app, { conf: { task_acks_late: true }, clock });
    breakBackend(h, () => true);
    await h.transport.publish(wireTask('t.add', [1, 1]), Q);
    await waitFor(() => clock.timers.length === 1);
    const closing = h.worker.close();
    clock.advance(10_000);
    await closing;
    expect(h.worker.counters).toMatchObject({ succeeded: 0, rejected: 1 });
    expect(await h.transport.queueLength('celery')).toBe(1);
  });

  it('early ack (acks_late off): the message was acked before the task ran, as Celery; the loss is logged loudly', async () => {
    const { app } = appWith();
    const { logger, lines } = capturedLogger();
    const h = await startMemoryWorker(app, { conf: { result_backend_max_retries: 0 }, logger });
    breakBackend(h, () => true);
    const msg = wireTask('t.add', [1, 1]);
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.counters.succeeded === 1);
    await h.worker.waitIdle();
    expect(h.transport.unsettledCount()).toBe(0);
    expect(await h.transport.queueLength('celery')).toBe(0);
    expect(lines.some((l) => String(l.msg).includes('acked before the task ran (task_acks_late off): the task stays PENDING'))).toBe(true);
  });

  it('a revoked or expired message whose REVOKED cannot be stored goes back instead of vanishing', async () => {
    const { app } = appWith();
    const h = await startMemoryWorker(app, { conf: { result_backend_max_retries: 0 } });
    let failuresLeft = 1;
    breakBackend(h, () => failuresLeft-- > 0);
    const msg = wireTask('t.add', [1, 1], { expires: '2020-01-01T00:00:00+00:00' });
    await h.transport.publish(msg, Q);
    expect((await h.backend.waitForResult(String(msg.headers.id), 2000)).status).toBe('REVOKED');
    await waitFor(() => h.worker.counters.revoked === 1);
    await h.worker.waitIdle();
    expect(h.worker.counters).toMatchObject({ revoked: 1, rejected: 1 });
    expect(h.transport.unsettledCount()).toBe(0);
  });
});

describe('executeTask: results that cannot be encoded', () => {
  it.each([
    ['nested 3,000 deep', 't.deep', [], /nested too deeply/],
    ["'я'.repeat(70e6), above result_max_bytes", 't.huge', [], /too large to store \(result_max_bytes = 67108864\)/],
    ['a function', 't.fn', [], /not JSON-serializable/],
    ['above a configured result_max_bytes', 't.sized', [2000], /result_max_bytes = 1000/],
  ])('a result %s ends FAILURE EncodeError, the message is acked, task-failed is sent, and the worker runs the next task', async (_what, task, args, message) => {
    const { app } = appWith();
    const h = await startMemoryWorker(app, { conf: { task_acks_late: true, ...(task === 't.sized' ? { result_max_bytes: 1000 } : {}) } });
    const events: TaskEventType[] = [];
    h.worker.addEventSink({ taskEvent: (type) => { events.push(type); } });
    const bad = wireTask(task, args);
    await h.transport.publish(bad, Q);
    const meta = await h.backend.waitForResult(String(bad.headers.id), 20_000);
    expect(meta).toMatchObject({ status: 'FAILURE', result: { excType: 'EncodeError', excModule: 'kombu.exceptions' } });
    expect(JSON.stringify(meta.result)).toMatch(message);
    const next = wireTask('t.add', [20, 22]);
    await h.transport.publish(next, Q);
    expect((await h.backend.waitForResult(String(next.headers.id), 2000)).result).toBe(42);
    await waitFor(() => h.worker.counters.succeeded === 1);
    await h.worker.waitIdle();
    expect(h.worker.counters).toMatchObject({ failed: 1, succeeded: 1, rejected: 0 });
    expect(events.filter((e) => e === 'task-failed')).toHaveLength(1);
    expect(h.transport.unsettledCount()).toBe(0);
  });
});
