// Canvas follow-ups run by the worker (link callbacks, chain steps, chain failures, errbacks) on the
// in-memory transport and result backend.
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { buildSignatureWire } from '../../../src/canvas/signature';
import { loadConfig } from '../../../src/config/load-config';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import type { SignatureWire, TaskEmbed } from '../../../src/protocol/task-message';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { Worker } from '../../../src/worker/worker';
import { wireTask } from '../../helpers/task-wire';

const Q: Route = { exchange: '', routingKey: 'celery' };

class CertificateTemplateMissing extends Error {}

interface Harness {
  worker: Worker;
  transport: MemoryTransport;
  backend: MemoryResultBackend;
  /** Every message the worker published, in order. */
  published: KombuMessage[];
  /** `publish <id>` and `store <id> <STATUS>` in the order they happened. */
  order: string[];
}

const open: Worker[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

/** The test's app: arithmetic, a failing step, and an errback/callback that records what it got. */
function canvasApp(): { app: Celery; calls: Array<{ task: string; args: unknown[] }> } {
  const app = new Celery('t');
  const calls: Array<{ task: string; args: unknown[] }> = [];
  app.task('canvas.add', (x: number, y: number) => { calls.push({ task: 'canvas.add', args: [x, y] }); return x + y; });
  app.task('canvas.fail', (key: string) => { calls.push({ task: 'canvas.fail', args: [key] }); throw new CertificateTemplateMissing(`no ${key}`); });
  app.task('canvas.echo', (...args: unknown[]) => { calls.push({ task: 'canvas.echo', args }); return args; });
  return { app, calls };
}

async function startWorker(app: Celery): Promise<Harness> {
  const transport = new MemoryTransport();
  const backend = new MemoryResultBackend();
  const settings = loadConfig({}, { worker_concurrency: 1 });
  const worker = new Worker({ app, transport, backend, settings, hostname: 'ts1@test', logger: pino({ level: 'silent' }),
    followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
  const published: KombuMessage[] = [];
  const order: string[] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (message, route) => { published.push(message); order.push(`publish ${String(message.headers.id)}`); return publish(message, route); };
  const store = backend.storeResult.bind(backend);
  backend.storeResult = (meta, options) => { order.push(`store ${meta.taskId} ${meta.status}`); return store(meta, options); };
  await worker.start();
  open.push(worker);
  return { worker, transport, backend, published, order };
}

/** A v2 message as Python writes it for a canvas step: own root, an embed with callbacks/errbacks/chain. */
function canvasMessage(task: string, args: unknown[], embed: Partial<TaskEmbed>, rootId = 'root-1'): KombuMessage {
  const msg = wireTask(task, args, { headers: { root_id: rootId } });
  const full = { callbacks: null, errbacks: null, chain: null, chord: null, ...embed };
  return { ...msg, body: Buffer.from(JSON.stringify([args, {}, full])) };
}

const step = (task: string, args: unknown[], id: string): SignatureWire => buildSignatureWire(task, { args, options: { task_id: id } });
const decode = (m: KombuMessage) => decodeTaskMessage(m, { accept: ['json'], maxBodyBytes: 1e7 });
const excOf = (meta: ResultMeta): Record<string, unknown> => meta.result as Record<string, unknown>;

describe('chain steps', () => {
  it('a step that succeeds publishes the next one (chain minus its last element, parent = this id, root kept) and stores SUCCESS with children', async () => {
    const { app, calls } = canvasApp();
    const h = await startWorker(app);
    // chain(add(1, 2), add(10), add(100)): the first message carries the rest reversed
    const msg = canvasMessage('canvas.add', [1, 2], { chain: [step('canvas.add', [100], 'step-3'), step('canvas.add', [10], 'step-2')] });
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    h.published.length = 0;

    const last = await h.backend.waitForResult('step-3', 2000);
    expect(last.status).toBe('SUCCESS');
    expect(last.result).toBe(113);
    expect(calls.map((c) => c.args)).toEqual([[1, 2], [3, 10], [13, 100]]);

    const first = await h.backend.getTaskMeta(id) as ResultMeta;
    expect(first.status).toBe('SUCCESS');
    expect(first.children).toEqual([[['step-2', null], null]]);
    expect(h.published).toHaveLength(2);
    const second = decode(h.published[0] as KombuMessage);
    expect(second.id).toBe('step-2');
    expect(second.args).toEqual([3, 10]);
    expect(second.parentId).toBe(id);
    expect(second.rootId).toBe('root-1');
    expect(second.embed.chain).toEqual([step('canvas.add', [100], 'step-3')]);
    const third = decode(h.published[1] as KombuMessage);
    expect(third.parentId).toBe('step-2');
    expect(third.rootId).toBe('root-1');
    expect(third.embed.chain ?? []).toEqual([]);
    const secondMeta = await h.backend.getTaskMeta('step-2') as ResultMeta;
    expect(secondMeta.children).toEqual([[['step-3', null], null]]);
    expect(secondMeta.parentId).toBe(id);
  });

  it('a failing step marks every remaining step FAILURE with its exception and publishes the errbacks with its id', async () => {
    const { app, calls } = canvasApp();
    const h = await startWorker(app);
    const onErr = buildSignatureWire('canvas.echo', { args: ['errback'] });
    const msg = canvasMessage('canvas.fail', ['template'], {
      chain: [step('canvas.add', [100], 'step-3'), step('canvas.add', [10], 'step-2')], errbacks: [onErr],
    });
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    h.published.length = 0;

    const failed = await h.backend.waitForResult(id, 2000);
    expect(failed.status).toBe('FAILURE');
    for (const stepId of ['step-2', 'step-3']) {
      const meta = await h.backend.waitForResult(stepId, 2000);
      expect(meta.status).toBe('FAILURE');
      expect(excOf(meta).excType ?? excOf(meta).exc_type).toBe('CertificateTemplateMissing');
      expect(excOf(meta).excMessage ?? excOf(meta).exc_message).toEqual(['no template']);
    }
    expect(h.published).toHaveLength(1);
    const errback = decode(h.published[0] as KombuMessage);
    expect(errback.task).toBe('canvas.echo');
    expect(errback.args).toEqual([id, 'errback']);
    expect(errback.parentId).toBe(id);
    expect(errback.rootId).toBe('root-1');
    expect(errback.group).not.toBeNull();
    expect((await h.backend.waitForResult(errback.id, 2000)).result).toEqual([id, 'errback']);
    expect(calls.filter((c) => c.task === 'canvas.add')).toHaveLength(0);
  });
});

describe('link callbacks', () => {
  it('publishes a link with the result prepended before SUCCESS, which lists it in children', async () => {
    const { app } = canvasApp();
    const h = await startWorker(app);
    const link = buildSignatureWire('canvas.echo', { args: ['linked'], options: { task_id: 'cb-1' } });
    const msg = canvasMessage('canvas.add', [2, 3], { callbacks: [link] });
    const id = String(msg.headers.id);
    await h.transport.publish(msg, Q);
    h.published.length = 0;

    const meta = await h.backend.waitForResult(id, 2000);
    expect(meta.result).toBe(5);
    expect(meta.children).toEqual([[['cb-1', null], null]]);
    expect(h.published.map((m) => m.headers.id)).toEqual(['cb-1']);
    expect(h.order.indexOf('publish cb-1')).toBeLessThan(h.order.indexOf(`store ${id} SUCCESS`));
    const cb = decode(h.published[0] as KombuMessage);
    expect(cb.args).toEqual([5, 'linked']);
    expect(cb.parentId).toBe(id);
    expect(cb.rootId).toBe('root-1');
    expect((await h.backend.waitForResult('cb-1', 2000)).result).toEqual([5, 'linked']);
  });

  it('an immutable link gets no result prepended, and link_error does not run on success', async () => {
    const { app } = canvasApp();
    const h = await startWorker(app);
    const link = buildSignatureWire('canvas.echo', { args: ['fixed'], options: { task_id: 'cb-2' }, immutable: true });
    const onErr = buildSignatureWire('canvas.echo', { args: ['should not run'], options: { task_id: 'eb-2' } });
    const msg = canvasMessage('canvas.add', [2, 3], { callbacks: [link], errbacks: [onErr] });
    await h.transport.publish(msg, Q);
    expect((await h.backend.waitForResult('cb-2', 2000)).result).toEqual(['fixed']);
    await h.worker.waitIdle();
    expect(await h.backend.getTaskMeta('eb-2')).toBeNull();
  });
});
