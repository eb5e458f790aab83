import { readFileSync } from 'node:fs';
import { renameUuids } from '../../helpers/rename-uuids';
import { join } from 'node:path';
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { chain, chord, group, signature, type CanvasSignature } from '../../../src/app/canvas-signature';
import { runInRequestScope } from '../../../src/app/request-context';
import type { ResultBackend } from '../../../src/backend/result-backend';
import { createProducer } from '../../../src/producer/producer';
import { GroupResult } from '../../../src/producer/group-result';
import type { KombuMessage } from '../../../src/protocol/kombu-message';
import type { Transport } from '../../../src/transport/transport';

// The messages a TS-built canvas publishes, compared with what Python's apply_async publishes for the
// same canvas (interop-tests/python/canvas_apply_capture.py, Celery 5.6.2, read in before_task_publish).
const py = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'python-canvas-apply.json'), 'utf8')) as Record<string, unknown[]>;

interface Setup { app: Celery; sent: KombuMessage[]; effects: string[] }
function setup(): Setup {
  const sent: KombuMessage[] = [];
  const effects: string[] = [];
  const unused = async (): Promise<never> => { throw new Error('unused'); };
  const transport: Transport = { connect: unused, declareQueue: unused, consume: unused, publishFanout: unused, subscribeFanout: unused,
    queueLength: unused, purge: unused, close: unused, publish: async (m) => { sent.push(m); effects.push(`publish ${String(m.headers.task)}`); } };
  const backend = { chordEffects: { setChordSize: async (g: string, n: number) => { effects.push(`chord-size ${n}`); void g; }, saveGroup: async () => { effects.push('save-group'); } } } as unknown as ResultBackend;
  const app = new Celery('t', { conf: { broker_url: 'memory://', result_backend: 'disabled' } });
  app.useProducer(createProducer({ transport, backend, logger: pino({ enabled: false }), replyTo: '9b33f9cc-3a5c-3943-b47e-c1ef714a724f' }));
  return { app, sent, effects };
}

function record(m: KombuMessage): Record<string, unknown> {
  const [args, kwargs, embed] = JSON.parse(m.body.toString()) as [unknown[], unknown, unknown];
  const h = m.headers;
  return { task: h.task, id: h.id, group: h.group ?? null, group_index: h.group_index ?? null, root_id: h.root_id, parent_id: h.parent_id,
    args, kwargs, embed, routing_key: 'celery' };
}


describe('canvas built from TypeScript publishes what Python publishes', () => {
  const cases: Array<[string, (app: Celery) => CanvasSignature]> = [
    ['chain', (app) => chain(app.signature('t.add', [1, 2]), app.signature('t.add', [3]), signature('t.add', [4, 4]).immutable())],
    ['group', (app) => group(app.signature('t.add', [1, 1]), app.signature('t.add', [2, 2]))],
    ['chord', (app) => chord([app.signature('t.add', [1, 1]), app.signature('t.add', [2, 2])], app.signature('t.tsum'))],
    ['chain_group_task', (app) => chain(app.signature('t.add', [1, 1]), group(app.signature('t.add', [2]), app.signature('t.add', [3])), app.signature('t.tsum'))],
  ];
  it.each(cases)('%s', async (name, build) => {
    const { app, sent } = setup();
    await build(app).applyAsync();
    expect(renameUuids(sent.map(record))).toEqual(renameUuids(py[name]));
  });

  it('a chord stores its header size before the last header task is sent', async () => {
    const { app, effects } = setup();
    await chord([app.signature('t.add', [1, 1]), app.signature('t.add', [2, 2])], app.signature('t.tsum')).applyAsync();
    expect(effects).toEqual(['publish t.add', 'chord-size 2', 'publish t.add']);
  });

  it('results: a chain gives its last task with parents linked, a group its members, a chord its body', async () => {
    const { app, sent } = setup();
    const c = await chain(app.signature('t.add', [1, 2]), app.signature('t.add', [3])).applyAsync();
    const first = record(sent[0] as KombuMessage);
    expect(c.parent?.id).toBe(first.id);
    expect((first.embed as { chain: Array<{ options: { task_id: string } }> }).chain[0]?.options.task_id).toBe(c.id);
    const g = await group(app.signature('t.add', [1, 1]), app.signature('t.add', [2, 2])).applyAsync();
    expect(g).toBeInstanceOf(GroupResult);
    expect(g.results.map((r) => r.id)).toEqual(sent.slice(1).map((m) => m.headers.id));
    const body = await chord([app.signature('t.add', [1, 1])], app.signature('t.tsum')).applyAsync();
    expect(body.parent).toBeInstanceOf(GroupResult);
    expect(body.id).toBe((record(sent[3] as KombuMessage).embed as { chord: { options: { task_id: string } } }).chord.options.task_id);
  });

  it('inside a task: the running task is parent and its root the root', async () => {
    const { app, sent } = setup();
    await runInRequestScope({ id: 'running', task: 't.outer', rootId: 'root', parentId: null, headers: {}, fields: {} },
      () => group(app.signature('t.add', [1, 1]), app.signature('t.add', [2, 2])).applyAsync());
    expect(sent.map((m) => [m.headers.parent_id, m.headers.root_id])).toEqual([['running', 'root'], ['running', 'root']]);
  });

  it('typed tasks: task.s / task.si / signature(task) carry the app', async () => {
    const { app, sent } = setup();
    const add = app.task('t.add', (x: number, y: number) => x + y);
    await chain(add.s(1, 2), add.s(3), add.si(4, 4)).applyAsync();
    expect(renameUuids(sent.map(record))).toEqual(renameUuids(py.chain));
    expect(signature(add, [1]).wire).toMatchObject({ task: 't.add', args: [1], immutable: false });
  });

  it('by name without an app: CanvasError CELERIAC_CANVAS_NO_APP', async () => {
    await expect(signature('t.add', [1]).applyAsync()).rejects.toMatchObject({ code: 'CELERIAC_CANVAS_NO_APP' });
  });
});
