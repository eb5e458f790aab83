import { applySignature } from '../../../src/canvas/apply-signature';
import { messagesOf, type ApplyEnv, type CanvasEffect } from '../../../src/canvas/canvas-result';
import { descendChordSize } from '../../../src/canvas/freeze-signature';
import { planChordError, planSuccessFollowUps } from '../../../src/canvas/plan-follow-ups';
import { buildSignatureWire } from '../../../src/canvas/signature';
import type { PlannedMessage } from '../../../src/canvas/build-signature-message';
import type { SignatureWire, TaskMessage } from '../../../src/protocol/task-message';

// The shapes celery.canvas gives the messages it sends; the end-to-end behaviour against Python is in
// interop-tests/worker-canvas-complete.test.ts.

const sig = (task: string, args: unknown[] = [], options: Record<string, unknown> = {}, immutable = false): SignatureWire =>
  buildSignatureWire(task, { args, options, immutable });
const group = (tasks: SignatureWire[], options: Record<string, unknown> = {}): SignatureWire =>
  ({ task: 'celery.group', args: [], kwargs: { tasks }, options, subtask_type: 'group', immutable: false });
const chain = (tasks: SignatureWire[]): SignatureWire => ({ task: 'celery.chain', args: [], kwargs: { tasks }, options: {}, subtask_type: 'chain', immutable: false });
const chord = (header: SignatureWire[], body: SignatureWire, options: Record<string, unknown> = {}): SignatureWire =>
  ({ task: 'celery.chord', args: [], kwargs: { header, body, kwargs: {} }, options, subtask_type: 'chord', immutable: false });

function env(): ApplyEnv {
  let n = 0;
  return { ctx: { now: new Date('2026-12-01T00:00:00Z'), hostname: 'gen1@h', replyTo: 'oid', newId: () => `id-${++n}` },
    current: { id: 'parent', rootId: 'root' }, effects: [], trail: [] };
}

interface Body { args: unknown[]; embed: { chain: SignatureWire[] | null; chord: SignatureWire | null } }
function bodyOf(m: PlannedMessage): Body {
  const [args, , embed] = JSON.parse(m.message.body.toString()) as [unknown[], unknown, Body['embed']];
  return { args, embed };
}
const kinds = (effects: CanvasEffect[]): string[] => effects.map((e) => (e.kind === 'publish' ? `publish ${String(e.planned.message.headers.task)}` : e.kind));

describe('applySignature: a chord', () => {
  it('as a chain step: header sent with the step result, the chord size stored before its last task, the body carrying the rest of the chain', () => {
    const e = env();
    const rest = [sig('t.last', [], { task_id: 'last' })];
    const step = chord([sig('t.a'), sig('t.b')], sig('t.sum', [], { task_id: 'body' }), { task_id: 'g' });
    const result = applySignature(step, { args: [7], options: { chain: rest, parent_id: 'parent', root_id: 'root' } }, e);
    expect(kinds(e.effects)).toEqual(['publish t.a', 'set-chord-size', 'publish t.b']);
    expect(e.effects[1]).toEqual({ kind: 'set-chord-size', groupId: 'g', size: 2 });
    const [a, b] = messagesOf(e.effects) as [PlannedMessage, PlannedMessage];
    expect([a.message.headers.group, a.message.headers.group_index, b.message.headers.group_index]).toEqual(['g', 0, 1]);
    expect([a.message.headers.parent_id, a.message.headers.root_id]).toEqual(['parent', 'root']);
    expect(bodyOf(a).args).toEqual([7]);
    const body = bodyOf(b).embed.chord as SignatureWire & { options: Record<string, unknown> };
    expect(body.task).toBe('t.sum');
    expect(body.options).toMatchObject({ task_id: 'body', group_id: 'g', chain: rest });
    expect(bodyOf(b).embed.chain).toBeNull();
    // the trail (children) holds the header GroupResult; the result is the body's, its parent the header
    expect(e.trail).toEqual([{ kind: 'group', id: 'g', parent: null, results: [{ kind: 'task', id: expect.any(String), parent: null }, { kind: 'task', id: expect.any(String), parent: null }] }]);
    expect(result).toMatchObject({ kind: 'task', id: 'body', parent: { kind: 'group', id: 'g' } });
  });

  it('a header holding a group is saved as a GroupResult first (nested shape) and counts its members', () => {
    const e = env();
    const header = [chain([sig('t.identity', [42]), group([sig('t.identity'), sig('t.identity')])])];
    expect(descendChordSize(header[0] as SignatureWire)).toBe(2);
    applySignature(chord(header, sig('t.identity', [], { task_id: 'body' }), { task_id: 'g' }), {}, e);
    const saved = e.effects.find((x) => x.kind === 'save-group');
    // the inner group takes the header's group id (group._freeze_group_tasks: task_id or the given group id)
    expect(saved).toEqual({ kind: 'save-group', groupId: 'g', result: [['g', null], [[['g', [[expect.any(String), null], null]], [
      [[expect.any(String), null], null], [[expect.any(String), null], null]]]]] });
    expect(kinds(e.effects)).toEqual(['save-group', 'set-chord-size', 'publish t.identity']);
    expect(e.effects[1]).toMatchObject({ groupId: 'g', size: 2 });
  });

  it('an empty header sends the body with []', () => {
    const e = env();
    applySignature(chord([], sig('t.sum', [], { task_id: 'body' })), {}, e);
    expect(messagesOf(e.effects).map((m) => [m.taskId, bodyOf(m).args])).toEqual([['body', [[]]]]);
  });
});

describe('planSuccessFollowUps: a chain callback with group | task is upgraded to a chord', () => {
  it('the first step carries a chord whose header is the group and body the task', () => {
    const msg = { id: 'parent', rootId: 'root', embed: { callbacks: [chain([sig('t.add', [1]), group([sig('t.a'), sig('t.b')]), sig('t.sum')])],
      errbacks: null, chain: null, chord: null } } as unknown as TaskMessage;
    const plan = planSuccessFollowUps(msg, 5, env().ctx);
    const [first] = messagesOf(plan.effects) as [PlannedMessage];
    expect(first.message.headers.task).toBe('t.add');
    const [step] = bodyOf(first).embed.chain as [SignatureWire & { kwargs: { header: unknown; body: { task: string } } }];
    expect(step.subtask_type).toBe('chord');
    expect(step.kwargs.body.task).toBe('t.sum');
    expect(plan.children).toEqual([[[first.taskId, null], null]]);
  });
});

describe('planChordError (chord_error_from_stack)', () => {
  const chordError = { excType: 'ChordError', excMessage: ['Dependency x raised KeyError()'], excModule: 'celery.exceptions' };
  const cause = { excType: 'KeyError', excMessage: ['k'], excModule: 'builtins' };

  it('a task body: its link_error errbacks sent with (body id,), then FAILURE ChordError for the body', () => {
    const body = sig('t.body', [], { task_id: 'body', link_error: [sig('t.count', [], {}, true)] });
    const steps = planChordError(body, chordError, cause, { id: 'm', rootId: 'r' }, env().ctx);
    expect(steps.map((s) => (s.kind === 'publish' ? [s.kind, s.planned.message.headers.task, s.planned.message.headers.parent_id] : [s.kind, s.kind === 'mark-failed' ? s.taskId : '']))).toEqual([
      ['publish', 't.count', 'body'], ['mark-failed', 'body']]);
    expect(steps[1]).toMatchObject({ exception: chordError });
  });

  it('a group body: every member and the group id get the header member\'s own exception', () => {
    const body = group([sig('t.a', [], { task_id: 'a' }), sig('t.b', [], { task_id: 'b' })], { task_id: 'gb' });
    const steps = planChordError(body, chordError, cause, null, env().ctx);
    expect(steps).toEqual([{ kind: 'mark-failed', taskId: 'a', exception: cause, children: [] },
      { kind: 'mark-failed', taskId: 'b', exception: cause, children: [] }, { kind: 'mark-failed', taskId: 'gb', exception: cause, children: [] }]);
  });
});
