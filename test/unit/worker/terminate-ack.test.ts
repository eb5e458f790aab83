// revoke(terminate) of a running acks-late task: the message is acked once REVOKED is stored, as Celery's
// Request._announce_revoked acknowledges it, not when a handler that ignores its signal finally returns.
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import type { Route } from '../../../src/protocol/kombu-message';
import type { ResultBackend } from '../../../src/backend/result-backend';
import { closeMemoryWorkers, startMemoryWorker, waitFor } from '../../helpers/memory-worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };

afterEach(closeMemoryWorkers);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/** An acks-late task that never looks at its abort signal, held open until the test lets it finish. */
function stubbornApp(started: () => void, finish: Promise<void>): Celery {
  const app = new Celery('t');
  app.task('t.stubborn', async () => {
    started();
    await finish;
    return 'too late';
  }, { acksLate: true });
  return app;
}

it('acks a terminated acks-late task as soon as REVOKED is stored, while its handler still runs', async () => {
  const finish = deferred();
  let running = false;
  const h = await startMemoryWorker(stubbornApp(() => { running = true; }, finish.promise));
  const msg = wireTask('t.stubborn');
  const id = String(msg.headers.id);
  await h.transport.publish(msg, Q);
  await waitFor(() => running);
  expect(h.transport.unsettledCount()).toBe(1);
  expect(h.worker.revoke([id], { terminate: true })).toEqual([id]);
  expect((await h.backend.waitForResult(id, 2000)).status).toBe('REVOKED');
  await waitFor(() => h.transport.unsettledCount() === 0);
  expect(await h.transport.queueLength('celery')).toBe(0);
  finish.resolve();
  await waitFor(() => h.worker.counters.revoked === 1);
  await h.worker.waitIdle();
  expect((await h.backend.getTaskMeta(id))?.status).toBe('REVOKED');
  expect(h.transport.unsettledCount()).toBe(0);
});

it('keeps the message unacked when REVOKED cannot be stored (the outcome is not recorded)', async () => {
  const finish = deferred();
  let running = false;
  const logged: Array<{ msg?: string }> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => { logged.push(JSON.parse(line) as { msg?: string }); } });
  const h = await startMemoryWorker(stubbornApp(() => { running = true; }, finish.promise), { logger, conf: { result_backend_max_retries: 0 } });
  const msg = wireTask('t.stubborn');
  const id = String(msg.headers.id);
  await h.transport.publish(msg, Q);
  await waitFor(() => running);
  const backend: ResultBackend = h.backend;
  const original = backend.storeResult.bind(backend);
  backend.storeResult = () => Promise.reject(new Error('backend down'));
  h.worker.revoke([id], { terminate: true });
  await waitFor(() => logged.some((r) => r.msg === 'cannot store task result'));
  await new Promise((r) => setImmediate(r)); // the step after the failed write has had its turn
  expect(h.transport.unsettledCount()).toBe(1);
  backend.storeResult = original;
  finish.resolve();
  await waitFor(() => h.worker.counters.revoked === 1);
});
