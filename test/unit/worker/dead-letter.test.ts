// Dead-letter copies: the pure builders, and a worker on the in-memory transport copying the
// original message of a finally failed task to its dead-letter queue.
import { Celery } from '../../../src/app/celery';
import type { TaskContext } from '../../../src/app/task-context';
import type { SettingsInput } from '../../../src/config/settings-schema';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { Delivery } from '../../../src/transport/transport';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { buildDeadLetterMessage, buildRequeuedMessage, describeDeadLetter, DLQ_HEADER } from '../../../src/worker/dead-letter';
import { closeMemoryWorkers, startMemoryWorker } from '../../helpers/memory-worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe('dead-letter messages', () => {
  const original = wireTask('t.fail', [1], { id: 'id-1', retries: 3 });
  const failedAt = new Date('2026-01-01T00:00:05Z');

  it('keeps body, headers and properties and adds the four x-celeriac-dlq-* headers', () => {
    const dead = buildDeadLetterMessage(original, { reason: 'retries-exhausted', error: named('KeyError', 'k'), queue: 'celery', failedAt });
    expect(dead.body.equals(original.body)).toBe(true);
    expect(dead.properties).toEqual(original.properties);
    expect(dead.headers).toEqual({ ...original.headers, 'x-celeriac-dlq-reason': 'retries-exhausted', 'x-celeriac-dlq-exception': "KeyError('k')",
      'x-celeriac-dlq-queue': 'celery', 'x-celeriac-dlq-failed-at': '2026-01-01T00:00:05.000Z' });
    expect(describeDeadLetter(dead)).toEqual({ id: 'id-1', task: 't.fail', originalQueue: 'celery', reason: 'retries-exhausted',
      exception: "KeyError('k')", failedAt: '2026-01-01T00:00:05.000Z' });
  });

  it('requeue message: annotations and redelivered dropped, retries reset to 0, routed to the original queue', () => {
    const dead = buildDeadLetterMessage({ ...original, headers: { ...original.headers, redelivered: true } },
      { reason: 'failed', error: new Error('x'), queue: 'work', failedAt });
    const back = buildRequeuedMessage({ ...dead, properties: { ...dead.properties, delivery_info: { exchange: '', routing_key: 'dlq' } } });
    expect(back?.route).toEqual({ exchange: '', routingKey: 'work' });
    expect(back?.message.headers).toEqual({ ...original.headers, retries: 0 });
    expect(back?.message.properties.delivery_info).toBeUndefined();
    expect(back?.message.body.equals(original.body)).toBe(true);
  });

  it('reads poison annotations too, and refuses to requeue a message without an original queue', () => {
    const poison: KombuMessage = { ...original, headers: { ...original.headers, 'x-celeriac-poison-reason': 'bad body',
      'x-celeriac-poison-code': 'CELERIAC_PROTOCOL_BAD_BODY', 'x-celeriac-poison-queue': 'celery' } };
    expect(describeDeadLetter(poison)).toMatchObject({ originalQueue: 'celery', reason: 'CELERIAC_PROTOCOL_BAD_BODY', exception: 'bad body' });
    expect(buildRequeuedMessage(poison)?.message.headers['x-celeriac-poison-code']).toBeUndefined();
    expect(buildRequeuedMessage(original)).toBeNull();
  });
});

describe('worker dead-letter queue', () => {
  afterEach(closeMemoryWorkers);
  const start = (app: Celery, conf: SettingsInput = {}) => startMemoryWorker(app, { conf: { worker_concurrency: 1, ...conf } });

  /** Takes the messages of a queue off an in-memory transport (a separate consumer). */
  async function drain(transport: MemoryTransport, queue: string, n: number): Promise<Delivery[]> {
    const got: Delivery[] = [];
    await new Promise<void>((resolve) => { void transport.consume([queue], 0, (d) => { got.push(d); if (got.length === n) resolve(); }); });
    return got;
  }

  it('a failing task naming a DLQ: FAILURE stored and the original message copied, reason failed', async () => {
    const app = new Celery('t');
    app.task('t.fail', () => { throw named('KeyError', 'nope'); }, { deadLetterQueue: 'app.dlq', acksLate: true });
    const h = await start(app);
    const msg = wireTask('t.fail', [7]);
    await h.transport.publish(msg, Q);
    expect((await h.backend.waitForResult(String(msg.headers.id), 2000)).status).toBe('FAILURE');
    const [dead] = await drain(h.transport, 'app.dlq', 1);
    expect(dead?.message.body.equals(msg.body)).toBe(true);
    expect(describeDeadLetter(dead?.message as KombuMessage)).toMatchObject({ id: msg.headers.id, task: 't.fail', originalQueue: 'celery',
      reason: 'failed', exception: "KeyError('nope')" });
    await h.worker.waitIdle();
    expect(h.transport.unsettledCount()).toBe(1); // only the DLQ delivery drained above; the task's message was acked
  });

  it('app-wide task_dead_letter_queue receives a task whose autoretries ran out, reason retries-exhausted', async () => {
    const app = new Celery('t');
    app.task('t.flaky', () => { throw named('OSError', 'disk'); }, { autoretryFor: ['OSError'], maxRetries: 1, defaultRetryDelay: 0 });
    const h = await start(app, { task_dead_letter_queue: 'celeriac.dlq' });
    const msg = wireTask('t.flaky', []);
    await h.transport.publish(msg, Q);
    const [dead] = await drain(h.transport, 'celeriac.dlq', 1);
    expect(dead?.message.headers).toMatchObject({ id: msg.headers.id, retries: 1, 'x-celeriac-dlq-reason': 'retries-exhausted',
      [DLQ_HEADER.exception]: "OSError('disk')" });
    expect((await h.backend.waitForResult(String(msg.headers.id), 2000)).status).toBe('FAILURE');
  });

  it('task.retry({ exc }) past maxRetries re-raises exc: FAILURE keeps its type, DLQ reason retries-exhausted', async () => {
    const app = new Celery('t');
    app.task('t.manual', (task: TaskContext) => task.retry({ exc: named('TimeoutError', 'slow'), countdown: 1 }),
      { bind: true, maxRetries: 0, deadLetterQueue: 'app.dlq' });
    const h = await start(app);
    const msg = wireTask('t.manual', []);
    await h.transport.publish(msg, Q);
    const [dead] = await drain(h.transport, 'app.dlq', 1);
    expect(describeDeadLetter(dead?.message as KombuMessage)).toMatchObject({ reason: 'retries-exhausted', exception: "TimeoutError('slow')" });
    expect((await h.backend.waitForResult(String(msg.headers.id), 2000)).result).toMatchObject({ excType: 'TimeoutError' });
  });

  it('no DLQ named: nothing is copied', async () => {
    const app = new Celery('t');
    app.task('t.fail', () => { throw new Error('x'); });
    const h = await start(app);
    const msg = wireTask('t.fail', []);
    await h.transport.publish(msg, Q);
    await h.backend.waitForResult(String(msg.headers.id), 2000);
    await h.worker.waitIdle();
    expect(await h.transport.queueLength('celeriac.dlq')).toBe(0);
  });
});
