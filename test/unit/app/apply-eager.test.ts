import { Writable } from 'node:stream';
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { NotRegisteredError } from '../../../src/app/apply-eager';
import { EagerResult } from '../../../src/app/eager-result';
import { currentRequest } from '../../../src/app/request-context';
import { MaxRetriesExceededError, Reject } from '../../../src/canvas/task-signals';
import { AsyncResult } from '../../../src/producer/async-result';
import type { SettingsInput } from '../../../src/config/settings-schema';

function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { log: pino({ level: 'debug' }, sink), lines };
}

function eagerApp(conf: SettingsInput = {}, log = pino({ level: 'silent' })): Celery {
  // An unreachable broker: any real send would fail, so a passing test proves nothing was sent.
  return new Celery('eager', { broker: 'redis://127.0.0.1:1/1', backend: 'redis://127.0.0.1:1/2', conf: { task_always_eager: true, ...conf }, logger: log });
}

describe('eager mode (task_always_eager)', () => {
  it('runs the handler in process and returns an EagerResult with the AsyncResult API', async () => {
    const app = eagerApp();
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const r = await add.delay(2, 3);
    expect(r).toBeInstanceOf(EagerResult);
    expect(r).toBeInstanceOf(AsyncResult);
    expect(await r.get()).toBe(5);
    expect(await r.state()).toBe('SUCCESS');
    expect([await r.ready(), await r.successful(), await r.failed()]).toEqual([true, true, false]);
    expect(await r.result()).toBe(5);
    expect(await r.traceback()).toBeNull();
    expect((await r.meta())?.status).toBe('SUCCESS');
    const byName = await app.sendTask<number>('tasks.add', [1], {}, { taskId: 'fixed-id' });
    expect(byName.id).toBe('fixed-id');
    await expect(byName.get()).rejects.toThrow(/missing 1 required positional argument/);
  });

  it('maps kwargs through params as the worker does, and awaits async handlers', async () => {
    const app = eagerApp();
    const greet = app.task('tasks.greet', async (name: string, punct = '!') => `hi ${name}${punct}`, { params: ['name', 'punct'] });
    expect(await (await greet.applyAsync([], { name: 'ada', punct: '?' })).get()).toBe('hi ada?');
    expect(await (await greet.delay('bob')).get()).toBe('hi bob!');
  });

  it('stores a failure in the result (get rejects with the task\'s own error), or rejects the send with task_eager_propagates', async () => {
    const app = eagerApp();
    app.task('tasks.boom', () => { throw new RangeError('bad value'); });
    const r = await app.sendTask('tasks.boom');
    expect(await r.state()).toBe('FAILURE');
    expect(await r.failed()).toBe(true);
    await expect(r.get()).rejects.toThrow(RangeError);
    expect(await r.get({ propagate: false })).toBeInstanceOf(RangeError);
    expect(await r.traceback()).toMatch(/RangeError|ValueError/);

    const strict = eagerApp({ task_eager_propagates: true });
    strict.task('tasks.boom', () => { throw new RangeError('bad value'); });
    await expect(strict.sendTask('tasks.boom')).rejects.toThrow('bad value');
  });

  it('refuses an unregistered name with a typed NotRegisteredError', async () => {
    const app = eagerApp();
    app.task('tasks.known', () => 1);
    const sent = app.sendTask('tasks.unknown');
    await expect(sent).rejects.toBeInstanceOf(NotRegisteredError);
    await expect(sent).rejects.toMatchObject({ code: 'CELERIAC_TASK_NOT_REGISTERED', taskName: 'tasks.unknown', message: expect.stringContaining('tasks.known') });
  });

  it('re-runs a bound task in process on retry(), same id, retries + 1, new args, until it succeeds', async () => {
    const app = eagerApp();
    const seen: Array<{ id: string; retries: number; args: unknown[] }> = [];
    const flaky = app.task('tasks.flaky', (task, n: number) => {
      seen.push({ id: task.request.id, retries: task.request.retries, args: task.request.args });
      if (task.request.retries < 2) return task.retry({ countdown: 3600, args: [n + 1] });
      return n;
    }, { bind: true });
    const r = await flaky.delay(10);
    expect(await r.get()).toBe(12);
    expect(seen.map((s) => [s.retries, s.args[0]])).toEqual([[0, 10], [1, 11], [2, 12]]);
    expect(new Set(seen.map((s) => s.id))).toEqual(new Set([r.id]));
  });

  it('stops retrying at maxRetries with MaxRetriesExceededError, or the given exc', async () => {
    const app = eagerApp();
    let runs = 0;
    app.task('tasks.always', (task) => { runs++; return task.retry(); }, { bind: true, maxRetries: 2 });
    const r = await app.sendTask('tasks.always');
    expect(runs).toBe(3);
    await expect(r.get()).rejects.toBeInstanceOf(MaxRetriesExceededError);
    app.task('tasks.withExc', (task) => task.retry({ exc: new TypeError('gave up'), maxRetries: 0 }), { bind: true });
    await expect((await app.sendTask('tasks.withExc')).get()).rejects.toThrow(TypeError);
  });

  it('retries autoretryFor errors in process up to the limit, then fails with the original error', async () => {
    const app = eagerApp({ task_max_retries: 1 });
    let runs = 0;
    app.task('tasks.net', () => { runs++; throw new Error('ECONNRESET'); }, { autoretryFor: ['Error'] });
    const r = await app.sendTask('tasks.net');
    expect(runs).toBe(2);
    await expect(r.get()).rejects.toThrow('ECONNRESET');
  });

  it('reports Reject as REJECTED, not as a failure', async () => {
    const app = eagerApp();
    app.task('tasks.reject', () => { throw new Reject('no'); });
    const r = await app.sendTask('tasks.reject');
    expect(await r.state()).toBe('REJECTED');
    expect(await r.failed()).toBe(false);
  });

  it('is switched on by CELERY_TASK_ALWAYS_EAGER in the environment', async () => {
    const before = process.env.CELERY_TASK_ALWAYS_EAGER;
    process.env.CELERY_TASK_ALWAYS_EAGER = 'true';
    try {
      const app = new Celery('env', { broker: 'redis://127.0.0.1:1/1', logger: pino({ level: 'silent' }) });
      const double = app.task('tasks.double', (x: number) => 2 * x);
      expect(await (await double.delay(21)).get()).toBe(42);
    } finally {
      if (before === undefined) delete process.env.CELERY_TASK_ALWAYS_EAGER; else process.env.CELERY_TASK_ALWAYS_EAGER = before;
    }
  });

  it('runs nested sends eagerly with parent/root ids, correlation fields carried and logged', async () => {
    const { log, lines } = capture();
    const app = eagerApp({ worker_log_context_fields: ['request_id', 'organization_id'] }, log);
    const requests: Array<ReturnType<typeof currentRequest>> = [];
    const leaf = app.task('tasks.leaf', (task) => { requests.push(currentRequest()); task.log.info('leaf ran'); return task.request.parentId; }, { bind: true });
    const mid = app.task('tasks.mid', async (organizationId: string) => {
      requests.push(currentRequest());
      return (await leaf.delay()).get();
    }, { params: ['organization_id'] });
    const r = await mid.applyAsync([], { organization_id: 'org-7' }, { headers: { request_id: 'req-1' }, taskId: 'root-task' });
    expect(await r.get()).toBe('root-task');
    expect(requests[0]).toMatchObject({ id: 'root-task', rootId: 'root-task', parentId: null, fields: { request_id: 'req-1', organization_id: 'org-7' } });
    expect(requests[1]).toMatchObject({ rootId: 'root-task', parentId: 'root-task', fields: { request_id: 'req-1', organization_id: 'org-7' } });
    expect(lines.find((l) => l.msg === 'leaf ran')).toMatchObject({ request_id: 'req-1', organization_id: 'org-7', taskName: 'tasks.leaf' });
    expect(currentRequest()).toBeUndefined();
  });
});
