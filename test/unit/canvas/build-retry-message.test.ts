import { buildRetryMessage, retryCountdownSec } from '../../../src/canvas/build-retry-message';
import { MaxRetriesExceededError, Retry } from '../../../src/canvas/task-signals';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import { parsePythonDatetime, PythonDatetime } from '../../../src/protocol/python-datetime';
import { loadFollowUps, producerProperties, taskMessageOf, tid, viewEnvelope } from './python-followups';

const fx = loadFollowUps();
const CELERY = { exchange: '', routingKey: 'celery' };
const original = taskMessageOf(fx.consumed.find((raw) => viewEnvelope(raw).headers.id === tid(1201)) as string);
const [pythonEnvelope, exchange, routingKey] = JSON.parse(fx.unacked[0] as string) as [Record<string, unknown>, string, string];
const python = decodeRedisEnvelope(JSON.stringify(pythonEnvelope)).message;
const pythonEta = parsePythonDatetime(python.headers.eta as string) as PythonDatetime;

describe('buildRetryMessage (vector 12: what Task.retry publishes)', () => {
  const now = new PythonDatetime(pythonEta.getTime() - 100_000, pythonEta.microsecond);
  const retry = buildRetryMessage(original, { countdownSec: 100, exc: new Error('boom 5'), deliveredVia: { exchange: '', routingKey: 'in' } }, now);

  it('matches the Python retry message: same id, retries+1, parent_id = own id, custom header kept, origin property', () => {
    expect(retry.message.body.toString()).toBe(python.body.toString());
    expect(retry.message.headers).toEqual(python.headers);
    expect(Object.keys(retry.message.headers)).toEqual(Object.keys(python.headers));
    expect(retry.message.properties).toEqual(producerProperties(python.properties));
    expect(Object.keys(retry.message.properties)).toEqual(Object.keys(producerProperties(python.properties)));
    expect(retry.route).toEqual({ exchange, routingKey });
    expect(retry.when).toBe(100);
  });

  it('keeps an existing parent, drops x-death headers, uses new args and an explicit eta', () => {
    const child = { ...original, parentId: 'p-1', retries: 1, customHeaders: { 'x-death': [{}], 'x-first-death-queue': 'q', keep: 1 } };
    const eta = new Date('2030-01-01T00:00:00Z');
    const r = buildRetryMessage(child, { args: [9], eta, deliveredVia: { exchange: 'tasks', routingKey: 'rk' } }, now);
    expect(r.message.headers).toMatchObject({ parent_id: 'p-1', retries: 2, eta: '2030-01-01T00:00:00+00:00', keep: 1, argsrepr: '(9,)' });
    expect(r.message.headers).not.toHaveProperty('x-death');
    expect(r.message.headers).not.toHaveProperty('x-first-death-queue');
    expect(r.route).toEqual({ exchange: 'tasks', routingKey: 'rk' });
    expect(r.when).toBe(eta);
  });

  it('takes apply_async options as Task.retry does: expires (seconds from now or an instant), time limits, priority, queue', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    const r = buildRetryMessage(original, { countdownSec: 0.1, expires: 60, timeLimitSec: 30, softTimeLimitSec: 20, priority: 7, queue: 'other',
      deliveredVia: { exchange: 'tasks', routingKey: 'rk' } }, at);
    expect(r.message.headers).toMatchObject({ expires: '2030-01-01T00:01:00+00:00', timelimit: [30, 20] });
    expect(r.message.properties.priority).toBe(7);
    expect(r.route).toEqual({ exchange: '', routingKey: 'other' });
    const until = new Date('2030-01-02T00:00:00Z');
    expect(buildRetryMessage(original, { expires: until, deliveredVia: CELERY }, at).message.headers.expires).toBe('2030-01-02T00:00:00+00:00');
  });

  it('re-sends the stamps of a stamped request (as_execution_options: stamped_headers and each stamp)', () => {
    const stamped = { ...original, stampedHeaders: ['monitoring_id'], stamps: { monitoring_id: ['m1'] } };
    const r = buildRetryMessage(stamped, { countdownSec: 1, deliveredVia: CELERY }, now);
    expect(r.message.headers).toMatchObject({ stamped_headers: ['monitoring_id'], stamps: { monitoring_id: ['m1'] } });
  });

  it('re-sends expires byte-for-byte with its expiration', () => {
    const expires = parsePythonDatetime('2026-11-21T06:00:00.123456+00:00') as PythonDatetime;
    const r = buildRetryMessage({ ...original, expires }, { countdownSec: 1, deliveredVia: CELERY }, new Date('2026-11-21T05:59:00Z'));
    expect(r.message.headers.expires).toBe('2026-11-21T06:00:00.123456+00:00');
    expect(r.message.properties.expiration).toBe('60123');
  });

  it('defaults the countdown to default_retry_delay (180 s)', () => {
    const r = buildRetryMessage(original, { deliveredVia: CELERY }, new Date('2026-01-01T00:00:00Z'));
    expect(r.message.headers.eta).toBe('2026-01-01T00:03:00+00:00');
  });

  it('past max_retries: rethrows exc, else MaxRetriesExceededError worded as Python', () => {
    const third = { ...original, retries: 3 };
    const exc = new TypeError('original');
    expect(() => buildRetryMessage(third, { exc, deliveredVia: CELERY }, now)).toThrow(exc);
    let thrown: unknown;
    try {
      buildRetryMessage(third, { deliveredVia: CELERY }, now);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MaxRetriesExceededError);
    expect((thrown as MaxRetriesExceededError).message).toBe(`Can't retry canvas.retry_once[${tid(1201)}] args:(5,) kwargs:{}`);
    expect((thrown as MaxRetriesExceededError).pythonModule).toBe('celery.exceptions');
    expect(() => buildRetryMessage({ ...original, retries: 50 }, { maxRetries: null, deliveredVia: CELERY }, now)).not.toThrow();
  });

  it('Retry carries the message and renders like Python', () => {
    const signal = new Retry({ message: retry.message, route: retry.route, when: 100, exc: Object.assign(new Error('boom 5'), { name: 'ValueError' }) });
    expect(signal.message).toBe("Retry in 100s: ValueError('boom 5')");
    expect(signal.pythonType).toBe('Retry');
    expect(signal.code).toBe('CELERIAC_TASK_RETRY');
  });
});

describe('retryCountdownSec (autoretry + get_exponential_backoff_interval)', () => {
  it('without backoff uses the default delay', () => {
    expect(retryCountdownSec(4, { backoff: false })).toBe(180);
    expect(retryCountdownSec(4, { backoff: 0, defaultDelaySec: 7 })).toBe(7);
  });

  it('factor * 2^retries capped by backoff_max, no jitter', () => {
    expect([0, 1, 2, 3].map((r) => retryCountdownSec(r, { backoff: true, jitter: false }))).toEqual([1, 2, 4, 8]);
    expect(retryCountdownSec(3, { backoff: 3, jitter: false })).toBe(24);
    expect(retryCountdownSec(10, { backoff: 2, jitter: false, backoffMaxSec: 600 })).toBe(600);
    expect(retryCountdownSec(2, { backoff: 0.5, jitter: false })).toBe(4); // int(max(1.0, 0.5)) = 1
  });

  it('full jitter: randrange(countdown + 1) from the injected random', () => {
    expect(retryCountdownSec(3, { backoff: true }, () => 0)).toBe(0);
    expect(retryCountdownSec(3, { backoff: true }, () => 0.999999)).toBe(8);
    expect(retryCountdownSec(3, { backoff: true }, () => 0.5)).toBe(4);
  });
});
