import { readFileSync } from 'node:fs';
import { renameUuids } from '../../helpers/rename-uuids';
import { join } from 'node:path';
import { runInRequestScope } from '../../../src/app/request-context';
import type { ResultBackend } from '../../../src/backend/result-backend';
import type { PlannedMessage } from '../../../src/canvas/build-signature-message';
import type { CanvasEffect } from '../../../src/canvas/canvas-result';
import { buildChordAddition, planReplace, ReplaceError, type ReplacedRequest } from '../../../src/canvas/plan-replace';
import type { FollowUpContext } from '../../../src/canvas/plan-follow-ups';
import { applyCanvas } from '../../../src/producer/apply-canvas';
import { encodeException } from '../../../src/protocol/encode-exception';
import type { SignatureWire } from '../../../src/protocol/task-message';

// What Task.replace()/add_to_chord() publish from inside a running task, compared with Celery 5.6.2's
// own (interop-tests/python/replace_capture.py, read in before_task_publish): same request, same
// replacement dict, same messages (uuids renamed by order of appearance on both sides).

interface Case {
  action: 'replace' | 'add_to_chord';
  request: { id: string; root_id: string; group: string | null; group_index: number | null; chord: SignatureWire | null;
    chain: SignatureWire[] | null; callbacks: SignatureWire[] | null; errbacks: SignatureWire[] | null; replaced_task_nesting: number };
  replacement: SignatureWire;
  sent: unknown[];
  chordCalls: Array<[string, string, number?]>;
  error: [string, string] | null;
}
const py = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'python-replace.json'), 'utf8')) as Record<string, Case>;

const ctx: FollowUpContext = { now: new Date('2026-12-01T00:00:00Z'), hostname: 'celery@host', replyTo: '34f254cc-4fdb-3999-9672-2bffdcced6ab' };

function requestOf(c: Case): ReplacedRequest {
  const r = c.request;
  return { id: r.id, rootId: r.root_id, group: r.group, groupIndex: r.group_index, replacedTaskNesting: r.replaced_task_nesting,
    embed: { callbacks: r.callbacks, errbacks: r.errbacks, chain: r.chain, chord: r.chord } };
}

function record(p: PlannedMessage): Record<string, unknown> {
  const [args, kwargs, embed] = JSON.parse(p.message.body.toString()) as [unknown[], unknown, unknown];
  const h = p.message.headers;
  return { task: h.task, id: h.id, group: h.group ?? null, group_index: h.group_index ?? null, root_id: h.root_id, parent_id: h.parent_id,
    replaced_task_nesting: h.replaced_task_nesting, args, kwargs, embed };
}

function chordCalls(effects: CanvasEffect[]): unknown[] {
  return effects.flatMap((e) => (e.kind === 'set-chord-size' ? [['set-chord-size', e.groupId, e.size]] : []));
}


const replaceCases = Object.entries(py).filter(([, c]) => c.action === 'replace' && c.error === null).map(([name]) => name);
const addCases = Object.entries(py).filter(([, c]) => c.action === 'add_to_chord' && c.error === null).map(([name]) => name);

describe('planReplace publishes what Python\'s Task.replace publishes', () => {
  it('covers the captured cases', () => {
    expect(replaceCases).toEqual(expect.arrayContaining(['task', 'task_in_chain_with_links', 'chain_with_link_in_chain', 'group_in_chain', 'chord_member']));
  });

  it.each(replaceCases)('%s', (name) => {
    const c = py[name] as Case;
    const plan = planReplace(requestOf(c), c.replacement, ctx);
    const sent = plan.effects.flatMap((e) => (e.kind === 'publish' ? [record(e.planned)] : []));
    expect(renameUuids({ sent, calls: chordCalls(plan.effects) })).toEqual(renameUuids({ sent: c.sent, calls: c.chordCalls }));
  });

  it('the replacement keeps the task id: a plain task, a chain\'s last step, a group\'s accumulate body', () => {
    const first = (name: string): Record<string, unknown> => {
      const c = py[name] as Case;
      const effect = planReplace(requestOf(c), c.replacement, ctx).effects.find((e) => e.kind === 'publish');
      return record((effect as CanvasEffect & { kind: 'publish' }).planned);
    };
    expect(first('task').id).toBe('task-1');
    const chainRest = (first('chain_with_link_in_chain').embed as { chain: SignatureWire[] }).chain;
    expect((chainRest.at(-1)?.options as { task_id: string }).task_id).toBe('task-1');
    const body = (first('group_alone').embed as { chord: SignatureWire }).chord;
    expect([body.task, (body.options as { task_id: string }).task_id]).toEqual(['celery.accumulate', 'task-1']);
  });

  it.each([['empty_chain'], ['part_of_chord']])('%s: ImproperlyConfigured, as Python words it', (name) => {
    const c = py[name] as Case;
    let thrown: unknown;
    try {
      planReplace(requestOf(c), c.replacement, ctx);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ReplaceError);
    expect(thrown).toMatchObject({ code: 'CELERIAC_CANVAS_BAD_REPLACEMENT' });
    const info = encodeException(thrown);
    expect([info.excType, String(info.excMessage[0])]).toEqual(c.error);
    expect(info.excModule).toBe('celery.exceptions');
  });
});

describe('buildChordAddition + apply publish what Python\'s Task.add_to_chord publishes', () => {
  it.each(addCases)('%s', async (name) => {
    const c = py[name] as Case;
    const req = requestOf(c);
    const { wire } = buildChordAddition(req, c.replacement, ctx);
    const sent: Record<string, unknown>[] = [];
    const calls: unknown[] = [['add-to-chord', req.group]];
    const backend = { chordEffects: { setChordSize: async (g: string, n: number) => { calls.push(['set-chord-size', g, n]); }, saveGroup: async () => undefined } } as unknown as ResultBackend;
    await runInRequestScope({ id: req.id, task: 't.replacer', rootId: req.rootId ?? req.id, parentId: null, headers: {}, fields: {} },
      () => applyCanvas(wire, {}, { backend, context: ctx, publish: async (p) => { sent.push(record(p)); } }));
    expect(renameUuids({ sent, calls })).toEqual(renameUuids({ sent: c.sent, calls: c.chordCalls }));
  });

  it('outside a chord: ValueError "Current task is not member of any chord" (CELERIAC_CANVAS_NOT_IN_CHORD)', () => {
    const c = py.add_outside_chord as Case;
    expect(() => buildChordAddition(requestOf(c), c.replacement, ctx)).toThrow(expect.objectContaining({ code: 'CELERIAC_CANVAS_NOT_IN_CHORD' }));
    try {
      buildChordAddition(requestOf(c), c.replacement, ctx);
    } catch (err) {
      const info = encodeException(err);
      expect([info.excType, String(info.excMessage[0])]).toEqual(c.error);
    }
  });
});
