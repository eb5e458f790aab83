import { Writable } from 'node:stream';
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { currentRequest } from '../../../src/app/request-context';
import type { SignalName } from '../../../src/app/signals';
import { createTestWorker, type TestWorker } from '../../../src/testing';

function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('worker signals and request context', () => {
  let tw: TestWorker | null = null;
  afterEach(async () => { await tw?.close(); tw = null; });

  it('sends the task signals in Celery\'s order, inside the task\'s request scope; a throwing receiver breaks nothing', async () => {
    const { log, lines } = capture();
    const app = new Celery('s', { conf: { worker_log_context_fields: ['request_id'] } });
    const seen: Array<[SignalName, string | undefined]> = [];
    const names: SignalName[] = ['before_task_publish', 'after_task_publish', 'task_received', 'task_prerun', 'task_success', 'task_failure',
      'task_retry', 'task_postrun', 'worker_init', 'worker_ready', 'worker_shutting_down', 'worker_shutdown'];
    for (const n of names) app.on(n, async () => { await Promise.resolve(); seen.push([n, currentRequest()?.fields.request_id as string | undefined]); });
    app.on('task_prerun', () => { throw new Error('receiver bug'); });
    let postrun: unknown;
    app.on('task_postrun', (p) => { postrun = { state: p.state, retval: p.retval, taskName: p.taskName }; });
    app.on('before_task_publish', (p) => { p.headers.trace_id = 'trace-1'; });
    const add = app.task('s.add', (x: number, y: number) => x + y);
    tw = await createTestWorker(app, { logger: log });
    const r = await add.applyAsync([2, 3], {}, { headers: { request_id: 'req-1' } });
    await tw.drain();
    expect(await r.get({ timeout: 1 })).toBe(5);
    const taskSignals = seen.filter(([n]) => n.startsWith('task_'));
    // task_received comes before the run, outside its scope (as Celery's, sent before current_task is set).
    expect(taskSignals).toEqual([['task_received', undefined], ['task_prerun', 'req-1'], ['task_success', 'req-1'], ['task_postrun', 'req-1']]);
    expect(postrun).toEqual({ state: 'SUCCESS', retval: 5, taskName: 's.add' });
    expect(seen.slice(0, 2).map(([n]) => n)).toEqual(['worker_init', 'worker_ready']);
    expect(tw.sent[0]?.headers.trace_id).toBe('trace-1');
    expect(lines.find((l) => l.msg === 'signal receiver failed')).toMatchObject({ signal: 'task_prerun', err: { message: 'receiver bug' } });
    await tw.close();
    expect(seen.slice(-2).map(([n]) => n)).toEqual(['worker_shutting_down', 'worker_shutdown']);
  });

  it('sends task_failure then task_postrun FAILURE, task_retry, and task_unknown for an unregistered name', async () => {
    const app = new Celery('s');
    const events: string[] = [];
    app.on('task_failure', (p) => { events.push(`failure:${p.exception.message}`); });
    app.on('task_retry', (p) => { events.push(`retry:${p.reason?.message ?? ''}`); });
    app.on('task_postrun', (p) => { events.push(`postrun:${p.state}`); });
    app.on('task_unknown', (p) => { events.push(`unknown:${p.name}`); });
    app.task('s.boom', () => { throw new TypeError('bad'); });
    app.task('s.again', (task) => task.retry({ exc: new Error('later'), countdown: 5, maxRetries: 1 }), { bind: true });
    tw = await createTestWorker(app);
    await app.sendTask('s.boom');
    await tw.drain();
    await app.sendTask('s.again');
    await tw.drain();
    await app.sendTask('s.nope');
    await tw.drain();
    expect(events).toEqual(['failure:bad', 'postrun:FAILURE', 'retry:later', 'postrun:RETRY', 'unknown:s.nope']);
  });

  it('logs the configured header/kwarg fields on every task line (user lines too) and copies them to tasks sent and chain steps', async () => {
    const { log, lines } = capture();
    const app = new Celery('c', { conf: { worker_log_context_fields: ['request_id', 'organization_id'] } });
    const leaf = app.task('c.leaf', (task) => { task.log.info('leaf says hi'); return currentRequest()?.fields; }, { bind: true });
    app.task('c.root', async (task, organizationId: string) => {
      task.log.info({ organizationId }, 'root says hi');
      await leaf.delay();
      return organizationId;
    }, { bind: true, params: ['organization_id'] });
    tw = await createTestWorker(app, { logger: log });
    const root = await app.sendTask('c.root', [], { organization_id: 'org-5' },
      { headers: { request_id: 'req-7' }, link: { task: 'c.leaf', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: true } });
    await tw.drain();
    expect(await root.get({ timeout: 1 })).toBe('org-5');
    const leaves = tw.sentTasks('c.leaf');
    expect(leaves).toHaveLength(2);
    for (const l of leaves) {
      expect(l.headers).toMatchObject({ request_id: 'req-7', organization_id: 'org-5' });
      expect(l.parentId).toBe(root.id);
      expect(await (await tw.result(l.id)).get({ timeout: 1 })).toEqual({ request_id: 'req-7', organization_id: 'org-5' });
    }
    for (const msg of ['root says hi', 'leaf says hi', 'task succeeded']) {
      const hits = lines.filter((l) => l.msg === msg);
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(h).toMatchObject({ request_id: 'req-7', organization_id: 'org-5' });
    }
  });
});
