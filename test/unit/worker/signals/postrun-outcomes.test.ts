// task_prerun / task_postrun pairing for every way a run can end, as Celery's trace.py sends them:
// postrun is sent in a `finally` for every task that ran, with `state` and `retval` per outcome;
// Ignore and Reject send no task_success/task_failure.
import { Celery } from '../../../../src/app/celery';
import type { SignalName, SignalPayloads } from '../../../../src/app/signals';
import { Ignore, Reject, Retry } from '../../../../src/canvas/task-signals';
import type { SettingsInput } from '../../../../src/config/settings-schema';
import { closeMemoryWorkers, startMemoryWorker, waitFor, type MemoryWorkerHarness } from '../../../helpers/memory-worker';
import { wireTask } from '../../../helpers/task-wire';

afterEach(closeMemoryWorkers);

type Seen = Array<{ signal: SignalName; state?: string; retval?: unknown }>;

/** An app whose task signals are recorded in order (postrun with its state and retval). */
function recordingApp(): { app: Celery; seen: Seen } {
  const app = new Celery('po');
  const seen: Seen = [];
  for (const name of ['task_prerun', 'task_success', 'task_failure', 'task_retry', 'task_revoked'] as const) {
    app.on(name, () => { seen.push({ signal: name }); });
  }
  app.on('task_postrun', (p: SignalPayloads['task_postrun']) => { seen.push({ signal: 'task_postrun', state: p.state, retval: p.retval }); });
  return { app, seen };
}

async function runOne(app: Celery, seen: Seen, name: string, conf: SettingsInput = {}, setUp?: (h: MemoryWorkerHarness) => void,
  args: unknown[] = []): Promise<MemoryWorkerHarness> {
  const h = await startMemoryWorker(app, { conf });
  setUp?.(h);
  await h.transport.publish(wireTask(name, args), { exchange: '', routingKey: 'celery' });
  await waitFor(() => seen.some((s) => s.signal === 'task_postrun'));
  await h.worker.waitIdle();
  return h;
}

describe('task_postrun for every outcome', () => {
  it('Ignore: prerun then postrun IGNORED with the Ignore as retval; no success or failure', async () => {
    const { app, seen } = recordingApp();
    app.task('po.ignore', () => { throw new Ignore(); });
    await runOne(app, seen, 'po.ignore');
    expect(seen.map((s) => s.signal)).toEqual(['task_prerun', 'task_postrun']);
    expect(seen[1]?.state).toBe('IGNORED');
    expect(seen[1]?.retval).toBeInstanceOf(Ignore);
  });

  it('Reject: postrun REJECTED with the Reject as retval', async () => {
    const { app, seen } = recordingApp();
    app.task('po.reject', () => { throw new Reject('no thanks', false); });
    await runOne(app, seen, 'po.reject');
    expect(seen.map((s) => s.signal)).toEqual(['task_prerun', 'task_postrun']);
    expect(seen[1]?.state).toBe('REJECTED');
    expect(seen[1]?.retval).toBeInstanceOf(Reject);
  });

  it('Retry: task_retry then postrun RETRY with the Retry as retval', async () => {
    const { app, seen } = recordingApp();
    app.task('po.retry', (task) => task.retry({ countdown: 60, exc: new Error('later') }), { bind: true });
    await runOne(app, seen, 'po.retry');
    expect(seen.map((s) => s.signal)).toEqual(['task_prerun', 'task_retry', 'task_postrun']);
    expect(seen[2]?.state).toBe('RETRY');
    expect(seen[2]?.retval).toBeInstanceOf(Retry);
  });

  it('arguments that do not bind: the task ran (prerun), failure, postrun FAILURE with the error', async () => {
    const { app, seen } = recordingApp();
    app.task('po.one', (x: number) => x, { params: ['x'] });
    await runOne(app, seen, 'po.one', {}, undefined, [1, 2, 3]);
    expect(seen.map((s) => s.signal)).toEqual(['task_prerun', 'task_failure', 'task_postrun']);
    expect(seen[2]?.state).toBe('FAILURE');
    expect(seen[2]?.retval).toBeInstanceOf(Error);
  });

  it('a retry that cannot be published (message given back): postrun REJECTED, null retval', async () => {
    const { app, seen } = recordingApp();
    let runs = 0;
    app.task('po.flaky-retry', (task) => { runs++; return task.retry({ countdown: 60 }); }, { bind: true });
    await runOne(app, seen, 'po.flaky-retry', {}, (h) => {
      const publish = h.transport.publish.bind(h.transport);
      let failed = false;
      // The test's own publish goes through; the worker's first retry publish is refused once.
      h.transport.publish = (message, route) => {
        if (!failed && (message.headers as { retries?: number }).retries === 1) { failed = true; return Promise.reject(new Error('broker said no')); }
        return publish(message, route);
      };
    });
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(seen.slice(0, 2)).toEqual([{ signal: 'task_prerun' }, { signal: 'task_postrun', state: 'REJECTED', retval: null }]);
  });

  it('a result that cannot be stored under acks_late (message given back): postrun REJECTED, null retval', async () => {
    const { app, seen } = recordingApp();
    app.task('po.ok', () => 42);
    await runOne(app, seen, 'po.ok', { task_acks_late: true, result_backend_max_retries: 0 }, (h) => {
      const store = h.backend.storeResult.bind(h.backend);
      let failed = false;
      h.backend.storeResult = (meta, options) => {
        if (!failed && meta.status === 'SUCCESS') { failed = true; return Promise.reject(new Error('backend down')); }
        return store(meta, options);
      };
    });
    expect(seen.slice(0, 2)).toEqual([{ signal: 'task_prerun' }, { signal: 'task_postrun', state: 'REJECTED', retval: null }]);
  });

  it('a run whose message a cold shutdown gave back: postrun REJECTED once it ends (every prerun has its postrun)', async () => {
    const { app, seen } = recordingApp();
    app.task('po.long', (task) => new Promise((resolve) => task.signal.addEventListener('abort', () => resolve('too late'))), { bind: true });
    const h = await startMemoryWorker(app, { conf: { task_acks_late: true } });
    await h.transport.publish(wireTask('po.long'), { exchange: '', routingKey: 'celery' });
    await waitFor(() => seen.some((s) => s.signal === 'task_prerun'));
    await h.worker.terminate();
    await waitFor(() => seen.some((s) => s.signal === 'task_postrun'));
    expect(seen).toEqual([{ signal: 'task_prerun' }, { signal: 'task_postrun', state: 'REJECTED', retval: null }]);
  });
});

describe('revoked and refused messages', () => {
  it('expired before it ran: task_revoked (expired) only, no prerun or postrun (as Celery: the task never ran)', async () => {
    const { app, seen } = recordingApp();
    const revoked: Array<SignalPayloads['task_revoked']> = [];
    app.on('task_revoked', (p) => { revoked.push(p); });
    app.task('po.late', () => 'ran');
    const h = await startMemoryWorker(app);
    await h.transport.publish(wireTask('po.late', [], { expires: '2000-01-01T00:00:00+00:00' }), { exchange: '', routingKey: 'celery' });
    await waitFor(() => revoked.length === 1);
    await h.worker.waitIdle();
    expect(seen).toEqual([{ signal: 'task_revoked' }]);
    expect(revoked[0]).toMatchObject({ taskName: 'po.late', terminated: false, expired: true });
  });

  it('terminated while running: task_revoked (terminated) then one postrun REVOKED, none when the handler ends later', async () => {
    const { app, seen } = recordingApp();
    let ended = false;
    app.task('po.slow', async (task) => {
      await new Promise((resolve) => task.signal.addEventListener('abort', resolve));
      ended = true;
      return 'after terminate';
    }, { bind: true });
    const h = await startMemoryWorker(app);
    const msg = wireTask('po.slow');
    await h.transport.publish(msg, { exchange: '', routingKey: 'celery' });
    await waitFor(() => seen.some((s) => s.signal === 'task_prerun'));
    expect(h.worker.revoke([String(msg.headers.id)], { terminate: true })).toEqual([String(msg.headers.id)]);
    await waitFor(() => ended);
    await h.worker.waitIdle();
    expect(seen).toEqual([{ signal: 'task_prerun' }, { signal: 'task_revoked' }, { signal: 'task_postrun', state: 'REVOKED', retval: null }]);
  });

  it('a message the worker cannot decode: task_rejected with the reason, and no task signal', async () => {
    const { app, seen } = recordingApp();
    const rejected: Array<SignalPayloads['task_rejected']> = [];
    app.on('task_rejected', (p) => { rejected.push(p); });
    app.task('po.any', () => 1);
    const h = await startMemoryWorker(app);
    const msg = { ...wireTask('po.any'), contentType: 'application/x-python-serialize' };
    await h.transport.publish(msg, { exchange: '', routingKey: 'celery' });
    await waitFor(() => rejected.length === 1);
    await h.worker.waitIdle();
    expect(rejected[0]).toMatchObject({ taskId: String(msg.headers.id), reason: expect.any(String) });
    expect(seen).toEqual([]);
  });
});
