// Automatic retries (autoretryFor + Celery's backoff): the pure decision, and a worker on the
// in-memory transport retrying with backoff until it succeeds or gives up with the original error.
import { Celery } from '../../../src/app/celery';
import type { TaskContext } from '../../../src/app/task-context';
import type { TaskDefinition, TaskOptions } from '../../../src/app/task-definition';
import { MaxRetriesExceededError, Reject, Retry } from '../../../src/canvas/task-signals';
import { loadConfig } from '../../../src/config/load-config';
import type { SettingsInput } from '../../../src/config/settings-schema';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { TaskMessage } from '../../../src/protocol/task-message';
import { applyAutoretry, CELERY_RETRY_DEFAULTS, isAutoretried, retryDefaultsOf } from '../../../src/worker/autoretry';
import type { Clock } from '../../../src/worker/clock';
import { TimeLimitExceeded } from '../../../src/worker/time-limit-errors';
import { closeMemoryWorkers, manualClock, startMemoryWorker, waitFor } from '../../helpers/memory-worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const decode = (m: KombuMessage): TaskMessage => decodeTaskMessage(m, { accept: ['json'], maxBodyBytes: 1e7 });
const def = (options: TaskOptions): TaskDefinition => ({ name: 't.x', handler: () => undefined, options });
const named = (name: string, message = 'boom'): Error => Object.assign(new Error(message), { name });
class HttpError extends Error {}
class NotFound extends HttpError {}

describe('isAutoretried', () => {
  it('matches classes with instanceof, names along the class chain, and Exception/Error as everything', () => {
    expect(isAutoretried(def({ autoretryFor: [HttpError] }), CELERY_RETRY_DEFAULTS, new NotFound('x'))).toBe(true);
    expect(isAutoretried(def({ autoretryFor: ['HttpError'] }), CELERY_RETRY_DEFAULTS, new NotFound('x'))).toBe(true);
    expect(isAutoretried(def({ autoretryFor: ['KeyError'] }), CELERY_RETRY_DEFAULTS, named('KeyError'))).toBe(true);
    expect(isAutoretried(def({ autoretryFor: ['KeyError'] }), CELERY_RETRY_DEFAULTS, named('ValueError'))).toBe(false);
    expect(isAutoretried(def({ autoretryFor: ['Exception'] }), CELERY_RETRY_DEFAULTS, new RangeError('x'))).toBe(true);
    expect(isAutoretried(def({}), CELERY_RETRY_DEFAULTS, new Error('x'))).toBe(false);
  });

  it('honours dontAutoretryFor, app-wide names, and never retries signals or a hard time limit', () => {
    const d = def({ autoretryFor: ['Exception'], dontAutoretryFor: [NotFound] });
    expect(isAutoretried(d, CELERY_RETRY_DEFAULTS, new NotFound('x'))).toBe(false);
    expect(isAutoretried(d, CELERY_RETRY_DEFAULTS, new HttpError('x'))).toBe(true);
    expect(isAutoretried(d, CELERY_RETRY_DEFAULTS, new Reject('no'))).toBe(false);
    expect(isAutoretried(d, CELERY_RETRY_DEFAULTS, new TimeLimitExceeded(1))).toBe(false);
    expect(isAutoretried(def({}), { ...CELERY_RETRY_DEFAULTS, autoretryFor: ['KeyError'] }, named('KeyError'))).toBe(true);
  });
});

describe('applyAutoretry', () => {
  const msg = (retries: number): TaskMessage => decode(wireTask('t.x', [1], { retries }));
  const ctx = { deliveredVia: Q, hostname: 'gen1@test', replyTo: 'oid', now: new Date(T0), random: () => 0.999999 };

  it('retries with Celery backoff: factor * 2^retries capped by retryBackoffMax, full jitter from random()', () => {
    const d = def({ autoretryFor: ['KeyError'], retryBackoff: 3, retryBackoffMax: 20, maxRetries: 10 });
    const whens = [0, 1, 2, 3].map((r) => {
      const out = applyAutoretry(d, CELERY_RETRY_DEFAULTS, named('KeyError'), msg(r), ctx);
      if (out.kind !== 'retry') throw new Error(`expected a retry, got ${out.kind}`);
      expect(decode(out.retry.retryMessage).retries).toBe(r + 1);
      return out.retry.when;
    });
    expect(whens).toEqual([3, 6, 12, 20]);
    const low = applyAutoretry(d, CELERY_RETRY_DEFAULTS, named('KeyError'), msg(3), { ...ctx, random: () => 0.5 });
    expect(low.kind === 'retry' && low.retry.when).toBe(10);
    const noJitter = applyAutoretry({ ...d, options: { ...d.options, retryJitter: false } }, CELERY_RETRY_DEFAULTS, named('KeyError'), msg(1), { ...ctx, random: () => 0 });
    expect(noJitter.kind === 'retry' && noJitter.retry.when).toBe(6);
  });

  it('without backoff waits defaultRetryDelay (task option, else app default), and the eta says so', () => {
    const out = applyAutoretry(def({ autoretryFor: ['KeyError'], defaultRetryDelay: 7 }), CELERY_RETRY_DEFAULTS, named('KeyError'), msg(0), ctx);
    expect(out.kind === 'retry' && out.retry.when).toBe(7);
    const app = applyAutoretry(def({ autoretryFor: ['KeyError'] }), { ...CELERY_RETRY_DEFAULTS, defaultRetryDelaySec: 42 }, named('KeyError'), msg(0), ctx);
    if (app.kind !== 'retry') throw new Error('expected a retry');
    expect(decode(app.retry.retryMessage).eta?.getTime()).toBe(T0 + 42_000);
    expect(app.retry).toBeInstanceOf(Retry);
    expect(app.retry.exc?.name).toBe('KeyError');
  });

  it('past maxRetries gives back the original error (as Celery re-raises exc); other errors are not retried', () => {
    const err = named('KeyError');
    const out = applyAutoretry(def({ autoretryFor: ['KeyError'], maxRetries: 2 }), CELERY_RETRY_DEFAULTS, err, msg(2), ctx);
    expect(out).toEqual({ kind: 'exhausted', error: err });
    const unlimited = applyAutoretry(def({ autoretryFor: ['KeyError'], maxRetries: null }), CELERY_RETRY_DEFAULTS, err, msg(50), ctx);
    expect(unlimited.kind).toBe('retry');
    expect(applyAutoretry(def({ autoretryFor: ['KeyError'] }), CELERY_RETRY_DEFAULTS, named('ValueError'), msg(0), ctx)).toEqual({ kind: 'not-retried' });
  });

  it('reads the app-wide defaults from the task_* settings', () => {
    const settings = loadConfig({ CELERY_TASK_MAX_RETRIES: 'none', CELERY_TASK_RETRY_BACKOFF: '2', CELERY_TASK_AUTORETRY_FOR: 'KeyError,OSError' }, {});
    expect(retryDefaultsOf(settings)).toEqual({ maxRetries: null, defaultRetryDelaySec: 180, autoretryFor: ['KeyError', 'OSError'],
      backoff: 2, backoffMaxSec: 600, jitter: true });
  });
});

describe('worker autoretry', () => {
  afterEach(closeMemoryWorkers);
  const start = (app: Celery, clock: Clock, conf: SettingsInput = {}) => startMemoryWorker(app, { clock, conf });

  it('retries a failing task with backoff 1 s, 2 s (RETRY stored each time), then stores its value', async () => {
    const clock = manualClock(T0);
    const app = new Celery('t');
    const seen: number[] = [];
    app.task('t.flaky', (task: TaskContext, x: number) => {
      seen.push(task.request.retries);
      if (task.request.retries < 2) throw named('KeyError', `miss ${task.request.retries}`);
      return x + 1;
    }, { bind: true, autoretryFor: ['KeyError'], retryBackoff: true, retryJitter: false });
    const h = await start(app, clock);
    const msg = wireTask('t.flaky', [41]);
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.counters.retried === 1 && clock.timers.length === 1);
    expect((await h.backend.getTaskMeta(id))?.status).toBe('RETRY');
    expect(decode(h.published[1]?.message as KombuMessage).eta?.getTime()).toBe(T0 + 1000);
    clock.advance(1000);
    await waitFor(() => h.worker.counters.retried === 2 && clock.timers.length === 1);
    expect(decode(h.published[2]?.message as KombuMessage).eta?.getTime()).toBe(T0 + 1000 + 2000);
    clock.advance(2000);
    const done = await h.backend.waitForResult(id, 2000);
    expect(done).toMatchObject({ status: 'SUCCESS', result: 42 });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('stores FAILURE with the original error once maxRetries (app-wide task_max_retries) ran out', async () => {
    const clock = manualClock(T0);
    const app = new Celery('t');
    app.task('t.down', () => { throw named('ConnectionError', 'down'); }, { autoretryFor: ['ConnectionError'], defaultRetryDelay: 5 });
    const h = await start(app, clock, { task_max_retries: 1 });
    const msg = wireTask('t.down', []);
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    await waitFor(() => h.worker.counters.retried === 1 && clock.timers.length === 1);
    clock.advance(5000);
    const done = await h.backend.waitForResult(id, 2000);
    expect(done.status).toBe('FAILURE');
    expect(done.result).toMatchObject({ excType: 'ConnectionError', excMessage: ['down'] });
    await waitFor(() => h.worker.counters.failed === 1);
    expect(h.worker.counters).toMatchObject({ retried: 1, failed: 1 });
  });

  it('task.retry() without maxRetries uses the task option; past it MaxRetriesExceededError is stored', async () => {
    const app = new Celery('t');
    app.task('t.manual', (task: TaskContext) => task.retry({ countdown: 1 }), { bind: true, maxRetries: 0 });
    const h = await start(app, manualClock(T0));
    const msg = wireTask('t.manual', []);
    await h.transport.publish(msg, Q);
    const done = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(done.status).toBe('FAILURE');
    expect(done.result).toMatchObject({ excType: new MaxRetriesExceededError('', [], {}).pythonType, excModule: 'celery.exceptions' });
  });
});
