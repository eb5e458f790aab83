// task.replace() / task.addToChord() and what a task sends while it runs (its `children`), run by a
// Worker on the in-memory transport and result backend. Python's messages are compared in
// test/unit/canvas/plan-replace.test.ts; the end-to-end behaviour in interop-tests/worker-replace.test.ts.
import pino from 'pino';
import { chain } from '../../../src/app/canvas-signature';
import { Celery } from '../../../src/app/celery';
import type { TaskContext } from '../../../src/app/task-context';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { buildSignatureWire } from '../../../src/canvas/signature';
import { loadConfig } from '../../../src/config/load-config';
import { createProducer } from '../../../src/producer/producer';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { Worker } from '../../../src/worker/worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };
const decode = (m: KombuMessage) => decodeTaskMessage(m, { accept: ['json'], maxBodyBytes: 1e7 });

interface Harness {
  worker: Worker;
  transport: MemoryTransport;
  backend: MemoryResultBackend;
  published: KombuMessage[];
  /** Every meta stored, in order. */
  stored: ResultMeta[];
  /** `publish <task> <id>` / `store <id> <STATUS>` / `add-to-chord <group>` in order. */
  order: string[];
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

async function startWorker(app: Celery, refuse?: string): Promise<Harness> {
  const transport = new MemoryTransport();
  const backend = new MemoryResultBackend();
  const order: string[] = [];
  Object.assign(backend, { chordEffects: {
    setChordSize: async (g: string, n: number) => { order.push(`chord-size ${g} ${n}`); },
    saveGroup: async () => undefined,
    addToChord: async (g: string) => { order.push(`add-to-chord ${g}`); },
  } });
  const published: KombuMessage[] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (message, route) => {
    if (message.headers.task === refuse) return Promise.reject(new Error(`queue for ${refuse} is gone`));
    published.push(message);
    order.push(`publish ${String(message.headers.task)} ${String(message.headers.id)}`);
    return publish(message, route);
  };
  const store = backend.storeResult.bind(backend);
  const stored: ResultMeta[] = [];
  backend.storeResult = (meta, options) => { order.push(`store ${meta.taskId} ${meta.status}`); stored.push(meta); return store(meta, options); };
  // tasks send through the same transport (what app.delay() uses inside the worker)
  app.useProducer(createProducer({ transport, backend, logger: pino({ level: 'silent' }), origin: 'gen1@test' }));
  const worker = new Worker({ app, transport, backend, settings: loadConfig({}, { worker_concurrency: 2 }), hostname: 'ts1@test',
    logger: pino({ level: 'silent' }), followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
  await worker.start();
  open.push(worker);
  return { worker, transport, backend, published, stored, order };
}

function testApp(): Celery {
  const app = new Celery('t');
  const add = app.task('t.add', (x: number, y: number) => x + y);
  app.task('t.replacer', (task: TaskContext, x: number) => task.replace(add.s(x, 10)), { bind: true });
  app.task('t.to_chain', (task: TaskContext, x: number) => task.replace(chain(add.s(x, 1), add.s(100))), { bind: true });
  app.task('t.to_empty_chain', (task: TaskContext) => task.replace({ task: 'celery.chain', args: [], kwargs: { tasks: [] }, options: {}, subtask_type: 'chain', immutable: false }), { bind: true });
  app.task('t.to_refused', (task: TaskContext) => task.replace(app.signature('t.refused')), { bind: true });
  app.task('t.sender', async (x: number) => {
    const one = await add.delay(x, 1);
    const c = await chain(add.s(x, 2), add.s(3)).applyAsync();
    return [one.id, c.id];
  });
  app.task('t.send_then_fail', async () => {
    await add.delay(1, 1);
    throw new RangeError('after sending');
  });
  app.task('t.send_then_retry', async (task: TaskContext) => {
    if (task.request.retries > 0) return 'retried';
    await add.delay(2, 2);
    return task.retry({ countdown: 0.01 });
  }, { bind: true });
  app.task('t.adder', async (task: TaskContext, x: number) => {
    const added = await task.addToChord(add.s(x, 4));
    const lazy = await task.addToChord(add.s(x, 5), { lazy: true });
    return [added.id, lazy.wire.options];
  }, { bind: true });
  return app;
}

const body = buildSignatureWire('t.tsum', { options: { task_id: 'body-1' } });

describe('task.replace()', () => {
  it('sends the replacement under the task\'s id (parent: the task), stores nothing itself and acks; the replacement\'s result is the task\'s', async () => {
    const h = await startWorker(testApp());
    const msg = wireTask('t.replacer', [5], { id: 'task-1', headers: { root_id: 'root-1' } });
    await h.transport.publish(msg, Q);
    const meta = await h.backend.waitForResult('task-1', 2000);
    expect([meta.status, meta.result]).toEqual(['SUCCESS', 15]);
    const replacement = decode(h.published[1] as KombuMessage);
    expect([replacement.task, replacement.id, replacement.parentId, replacement.rootId, replacement.replacedTaskNesting])
      .toEqual(['t.add', 'task-1', 'task-1', 'root-1', 1]);
    // one store under the id: the replacement's SUCCESS
    expect(h.order.filter((o) => o.startsWith('store task-1'))).toEqual(['store task-1 SUCCESS']);
    expect(h.order.indexOf('publish t.add task-1')).toBeLessThan(h.order.indexOf('store task-1 SUCCESS'));
    await h.worker.waitIdle();
    expect(h.worker.counters.ignored).toBe(1);
    expect(h.transport.unsettledCount()).toBe(0);
  });

  it('with a chain: its last task gets the id', async () => {
    const h = await startWorker(testApp());
    await h.transport.publish(wireTask('t.to_chain', [1], { id: 'task-2' }), Q);
    expect((await h.backend.waitForResult('task-2', 2000)).result).toBe(102);
  });

  it('an empty chain fails the task with ImproperlyConfigured, as Python', async () => {
    const h = await startWorker(testApp());
    await h.transport.publish(wireTask('t.to_empty_chain', [], { id: 'task-3' }), Q);
    const meta = await h.backend.waitForResult('task-3', 2000);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toMatchObject({ excType: 'ImproperlyConfigured', excMessage: ['Cannot replace with an empty chain'], excModule: 'celery.exceptions' });
  });

  it('a replacement that cannot be sent fails the task with why (not an acked task with no outcome)', async () => {
    const h = await startWorker(testApp(), 't.refused');
    await h.transport.publish(wireTask('t.to_refused', [], { id: 'task-4' }), Q);
    const meta = await h.backend.waitForResult('task-4', 2000);
    expect(meta.status).toBe('FAILURE');
    expect(JSON.stringify(meta.result)).toContain('queue for t.refused is gone');
  });
});

describe('what a task sends while it runs', () => {
  it('delay() and a chain applied inside the task: parent/root from the task, listed in its SUCCESS children in order', async () => {
    const h = await startWorker(testApp());
    await h.transport.publish(wireTask('t.sender', [1], { id: 'task-5', headers: { root_id: 'root-5' } }), Q);
    const meta = await h.backend.waitForResult('task-5', 2000) as ResultMeta;
    const [oneId] = meta.result as [string, string];
    const chainFirst = h.published.map(decode).find((m) => m.task === 't.add' && m.args[0] === 1 && m.args[1] === 2);
    expect(meta.children).toEqual([[[oneId, null], null], [[chainFirst?.id, null], null]]);
    const sent = h.published.map(decode).filter((m) => m.id === oneId || m.id === chainFirst?.id);
    expect(sent.map((m) => [m.parentId, m.rootId])).toEqual([['task-5', 'root-5'], ['task-5', 'root-5']]);
  });


  it('a task that sent something and then failed or retried lists it in FAILURE / RETRY children (RETRY: then the retry itself)', async () => {
    const h = await startWorker(testApp());
    await h.transport.publish(wireTask('t.send_then_fail', [], { id: 'task-8' }), Q);
    const failed = await h.backend.waitForResult('task-8', 2000);
    const sentByFail = h.published.map(decode).find((m) => m.parentId === 'task-8');
    expect([failed.status, failed.children]).toEqual(['FAILURE', [[[sentByFail?.id, null], null]]]);
    await h.transport.publish(wireTask('t.send_then_retry', [], { id: 'task-9' }), Q);
    expect((await h.backend.waitForResult('task-9', 2000)).result).toBe('retried');
    const sentByRetry = h.published.map(decode).find((m) => m.parentId === 'task-9' && m.task === 't.add');
    const retry = h.stored.find((m) => m.taskId === 'task-9' && m.status === 'RETRY');
    expect(retry?.children).toEqual([[[sentByRetry?.id, null], null], [['task-9', null], null]]);
  });
});

describe('task.addToChord()', () => {
  it('in a chord header: raises the chord size first, sends the signature with the task\'s group/index/chord, resolves to its AsyncResult; lazy sends nothing', async () => {
    const h = await startWorker(testApp());
    const msg = wireTask('t.adder', [1], { id: 'task-6', headers: { group: 'group-1', group_index: 0, root_id: 'root-6' } });
    const embed = { callbacks: null, errbacks: null, chain: null, chord: body };
    await h.transport.publish({ ...msg, body: Buffer.from(JSON.stringify([[1], {}, embed])) }, Q);
    const meta = await h.backend.waitForResult('task-6', 2000);
    const [addedId, lazyOptions] = meta.result as [string, Record<string, unknown>];
    const added = h.published.map(decode).find((m) => m.id === addedId);
    expect(added).toMatchObject({ task: 't.add', args: [1, 4], group: 'group-1', groupIndex: 0, rootId: 'root-6', parentId: 'task-6' });
    expect(added?.embed.chord).toEqual(body);
    expect(h.order.indexOf('add-to-chord group-1')).toBeLessThan(h.order.indexOf(`publish t.add ${addedId}`));
    expect(h.order.filter((o) => o === 'add-to-chord group-1')).toHaveLength(2);
    expect(lazyOptions).toMatchObject({ group_id: 'group-1', group_index: 0, chord: body, root_id: 'root-6' });
    expect(typeof lazyOptions.task_id).toBe('string');
    expect(h.published.map(decode).some((m) => m.id === lazyOptions.task_id)).toBe(false);
  });

  it('outside a chord: the task fails with ValueError "Current task is not member of any chord"', async () => {
    const h = await startWorker(testApp());
    await h.transport.publish(wireTask('t.adder', [1], { id: 'task-7' }), Q);
    const meta = await h.backend.waitForResult('task-7', 2000);
    expect(meta.result).toMatchObject({ excType: 'ValueError', excMessage: ['Current task is not member of any chord'] });
  });
});

