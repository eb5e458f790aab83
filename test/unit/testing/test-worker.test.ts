import { Celery } from '../../../src/app/celery';
import { createTestWorker, TestWorkerError, type TestWorker } from '../../../src/testing';

describe('TestWorker', () => {
  let tw: TestWorker | null = null;
  afterEach(async () => { await tw?.close(); tw = null; });

  it('runs countdown tasks only when the clock reaches them, and records what was sent', async () => {
    const app = new Celery('t');
    const runs: number[] = [];
    const ping = app.task('t.ping', (n: number) => { runs.push(n); return n; });
    tw = await createTestWorker(app);
    await ping.applyAsync([1], {}, { countdown: 10 });
    await ping.delay(2);
    await tw.drain();
    expect(runs).toEqual([2]);
    expect(tw.sentTasks('t.ping').map((s) => [s.args[0], s.eta !== null])).toEqual([[1, true], [2, false]]);
    await tw.advance(9_999);
    expect(runs).toEqual([2]);
    await tw.advance(1);
    expect(runs).toEqual([2, 1]);
  });

  it('routes by the app\'s task_routes and consumes every task queue', async () => {
    const app = new Celery('t', { conf: { task_routes: { 't.mail.*': 'mail' } } });
    app.task('t.mail.send', () => 'sent');
    tw = await createTestWorker(app);
    const r = await app.sendTask('t.mail.send');
    await tw.drain();
    expect(tw.sentTasks({ queue: 'mail' })).toHaveLength(1);
    // Not consumed (the default queues are celery + task option queues): it waits in its queue.
    expect(await r.state()).toBe('PENDING');
  });

  it('rejects drain() with TestWorkerError when a task does not finish in time', async () => {
    const app = new Celery('t');
    let release: () => void = () => undefined;
    app.task('t.hang', () => new Promise<void>((resolve) => { release = resolve; }));
    tw = await createTestWorker(app);
    await app.sendTask('t.hang');
    await expect(tw.drain(50)).rejects.toBeInstanceOf(TestWorkerError);
    release();
    await tw.drain();
  });

  it('gives the app its own producer back on close', async () => {
    const app = new Celery('t', { broker: 'redis://127.0.0.1:1/1', conf: { broker_connection_retry_on_startup: false } });
    app.task('t.x', () => 1);
    tw = await createTestWorker(app);
    await tw.close();
    await expect(app.sendTask('t.x')).rejects.toThrow();
    await app.close();
  });
});
