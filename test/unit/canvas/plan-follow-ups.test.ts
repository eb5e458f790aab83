import { planChordError, planFailureFollowUps, planSuccessFollowUps, type FollowUpContext } from '../../../src/canvas/plan-follow-ups';
import { chordErrorMessage } from '../../../src/backend/chord/chord-part';
import { encodePythonJson } from '../../../src/protocol/python-json';
import type { PlannedMessage } from '../../../src/canvas/build-signature-message';
import { CanvasError } from '../../../src/canvas/canvas-error';
import { messagesOf } from '../../../src/canvas/canvas-result';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import { ProtocolError } from '../../../src/errors/celeriac-error';
import { loadFollowUps, producerProperties, taskMessageOf, tid, viewEnvelope } from './python-followups';

const fx = loadFollowUps();
const consumed = new Map(fx.consumed.map((raw) => { const v = viewEnvelope(raw); return [v.headers.id as string, taskMessageOf(v)]; }));
const published = new Map(fx.followUps.map((raw) => [viewEnvelope(raw).headers.id as string, raw]));
const workerOrigin = viewEnvelope(fx.followUps[0] as string).headers.origin as string;
const workerOid = viewEnvelope(published.get(tid(702)) as string).properties.reply_to as string;

function ctx(): FollowUpContext {
  let n = 0;
  return { now: new Date('2026-11-21T05:00:00Z'), hostname: workerOrigin, replyTo: workerOid, newId: () => `gen-${++n}` };
}

function parent(id: number) {
  const msg = consumed.get(tid(id));
  if (!msg) throw new Error(`fixture lacks ${tid(id)}`);
  return msg;
}

/** Our message equals Python's: exact body bytes, headers and producer properties; random group ids mapped. */
function expectSameAsPython(ours: PlannedMessage, groupIds: Map<string, string>): void {
  const raw = published.get(ours.taskId);
  expect(raw).toBeDefined();
  const theirs = decodeRedisEnvelope(raw as string).message;
  expect(ours.message.body.toString('utf8')).toBe(theirs.body.toString('utf8'));
  const headers = { ...ours.message.headers };
  if (typeof headers.group === 'string' && headers.group.startsWith('gen-')) {
    const known = groupIds.get(headers.group) ?? (theirs.headers.group as string);
    groupIds.set(headers.group, known);
    headers.group = known;
  }
  expect(headers).toEqual(theirs.headers);
  expect(Object.keys(headers)).toEqual(Object.keys(theirs.headers));
  expect(ours.message.properties).toEqual(producerProperties(theirs.properties));
  expect(ours.route).toEqual({ exchange: '', routingKey: 'celery' });
}

describe('planSuccessFollowUps reproduces what a Python worker publishes', () => {
  it('one link: callback with the result prepended, parent/root = the task (vector 7)', () => {
    const plan = planSuccessFollowUps(parent(701), 5, ctx());
    expect(messagesOf(plan.effects).map((m) => m.taskId)).toEqual([tid(702)]);
    expectSameAsPython(messagesOf(plan.effects)[0] as PlannedMessage, new Map());
    expect(plan.children).toEqual([[[tid(702), null], null]]);
  });

  it('two links: wrapped into one new group, group_index 0..n, children hold the GroupResult tuple', () => {
    const plan = planSuccessFollowUps(parent(711), 9, ctx());
    const groups = new Map<string, string>();
    messagesOf(plan.effects).forEach((m) => expectSameAsPython(m, groups));
    expect(plan.children).toEqual([[['gen-1', null], [[[tid(712), null], null], [[tid(713), null], null]]]]);
  });

  it('immutable callback: no prepended args, args repr stays a list', () => {
    const plan = planSuccessFollowUps(parent(721), 13, ctx());
    expectSameAsPython(messagesOf(plan.effects)[0] as PlannedMessage, new Map());
  });

  it('chain: publishes chain[-1] with chain[:-1], frozen reply_to kept (vector 8)', () => {
    const plan = planSuccessFollowUps(parent(801), 2, ctx());
    expect(messagesOf(plan.effects)).toHaveLength(1);
    expectSameAsPython(messagesOf(plan.effects)[0] as PlannedMessage, new Map());
    expect(plan.children).toEqual([[[tid(802), null], null]]);
  });

  it('last chain step gets chain [] and publishes nothing after it', () => {
    const step2 = taskMessageOf(published.get(tid(802)) as string);
    const step3 = messagesOf(planSuccessFollowUps(step2, 4, ctx()).effects)[0] as PlannedMessage;
    const body = JSON.parse(step3.message.body.toString()) as [unknown[], unknown, { chain: unknown }];
    expect(body[0]).toEqual([4, 3]);
    expect(body[2].chain).toEqual([]);
    expect(step3.message.headers).toMatchObject({ id: tid(803), parent_id: tid(802), root_id: tid(801) });
    const last = taskMessageOf({ headers: step3.message.headers, properties: step3.message.properties, body: body as never });
    expect(planSuccessFollowUps(last, 7, ctx())).toEqual({ effects: [], children: [] });
  });

  it('group | task in a chain: the chord step publishes its header as Python does, size stored before the last (vector 13)', () => {
    const plan = planSuccessFollowUps(parent(1301), 2, ctx());
    expect(plan.effects.map((e) => e.kind)).toEqual(['publish', 'set-chord-size', 'publish']);
    const groups = new Map<string, string>();
    messagesOf(plan.effects).forEach((m) => expectSameAsPython(m, groups));
    const gid = messagesOf(plan.effects)[0]?.message.headers.group as string;
    expect(plan.effects[1]).toEqual({ kind: 'set-chord-size', groupId: gid, size: 2 });
    expect(plan.children).toEqual([[[gid, null], [[[tid(1302), null], null], [[tid(1303), null], null]]]]);
  });

  it('a chain ending in a group: its members published with the step result (vector 14)', () => {
    const plan = planSuccessFollowUps(parent(1401), 2, ctx());
    expect(plan.effects.map((e) => e.kind)).toEqual(['publish', 'publish']);
    const groups = new Map<string, string>();
    messagesOf(plan.effects).forEach((m) => expectSameAsPython(m, groups));
  });

  it('a group of immutable members after a chain step: the group clones them, so their argsrepr is a tuple (vector 17)', () => {
    const plan = planSuccessFollowUps(parent(1701), 2, ctx());
    const groups = new Map<string, string>();
    messagesOf(plan.effects).forEach((m) => expectSameAsPython(m, groups));
    expect(messagesOf(plan.effects).map((m) => m.message.headers.argsrepr)).toEqual(['(5, 5)', '(6, 6)']);
  });

  it('a chord step whose header holds a chain ending in a group: the header GroupResult saved as Python saves it, then the first step sent (vector 18)', () => {
    const plan = planSuccessFollowUps(parent(1801), 2, ctx());
    expect(plan.effects.map((e) => e.kind)).toEqual(['save-group', 'set-chord-size', 'publish']);
    const saved = plan.effects[0] as { groupId: string; result: unknown };
    expect(encodePythonJson({ result: saved.result })).toBe(fx.groups[`celery-taskset-meta-${saved.groupId}`]);
    expect(plan.effects[1]).toEqual({ kind: 'set-chord-size', groupId: saved.groupId, size: 2 });
    expectSameAsPython(messagesOf(plan.effects)[0] as PlannedMessage, new Map());
  });

  it('a chord as a link callback: its header published as Python does (vector 15)', () => {
    // the header group id is drawn fresh (the chord was not frozen); hand out Python's so the body's options compare too
    const gid = viewEnvelope(published.get(tid(1502)) as string).headers.group as string;
    const ids = [gid];
    const plan = planSuccessFollowUps(parent(1501), 2, { ...ctx(), newId: () => ids.shift() ?? 'unexpected-id' });
    const groups = new Map<string, string>();
    messagesOf(plan.effects).forEach((m) => expectSameAsPython(m, groups));
    expect(plan.effects.map((e) => e.kind)).toEqual(['publish', 'set-chord-size', 'publish']);
  });

  it('a group callback is applied as its own group; a chain callback as a chain', () => {
    const msg = { ...parent(701), embed: { callbacks: [
      { task: 'celery.group', args: [], kwargs: { tasks: [{ task: 'canvas.add', args: [1], kwargs: {}, options: {}, subtask_type: null, immutable: false }] }, options: { task_id: 'g-1' }, subtask_type: 'group', immutable: false },
      { task: 'celery.chain', args: [], kwargs: { tasks: [
        { task: 'canvas.add', args: [1], kwargs: {}, options: {}, subtask_type: null, immutable: false },
        { task: 'canvas.add', args: [2], kwargs: {}, options: { task_id: 'c-2' }, subtask_type: null, immutable: false }] }, options: {}, subtask_type: 'chain', immutable: false },
    ], errbacks: null, chain: null, chord: null } };
    const plan = planSuccessFollowUps(msg, 5, ctx());
    // a chain in a group: its LAST step carries the group id and index (prepare_steps), the first is sent without
    expect(messagesOf(plan.effects).map((m) => [m.message.headers.task, m.message.headers.group, m.message.headers.group_index])).toEqual([
      ['canvas.add', 'g-1', 0], ['canvas.add', null, null]]);
    const chained = JSON.parse((messagesOf(plan.effects)[1] as PlannedMessage).message.body.toString()) as [unknown[], unknown, { chain: { options: Record<string, unknown> }[] }];
    expect(chained[0]).toEqual([5, 1]);
    expect(chained[2].chain.map((s) => [s.options.task_id, s.options.group_id, s.options.group_index])).toEqual([['c-2', 'gen-2', 0]]);
    expect(plan.children[0]).toEqual([['g-1', null], [[[(messagesOf(plan.effects)[0] as PlannedMessage).taskId, null], null]]]);
  });

  it('refuses canvas types it cannot apply, naming them', () => {
    const msg = { ...parent(701), embed: { callbacks: [{ task: 'x.y', args: [], kwargs: {}, options: {}, subtask_type: 'mystery', immutable: false }], errbacks: null, chain: null, chord: null } };
    expect(() => planSuccessFollowUps(msg, 1, ctx())).toThrow(CanvasError);
    expect(() => planSuccessFollowUps(msg, 1, ctx())).toThrow(/"mystery"/);
  });

  it('rejects a malformed callback with a ProtocolError naming the field', () => {
    const msg = { ...parent(701), embed: { callbacks: [{ task: 'canvas.add', args: 'x' }], errbacks: null, chain: null, chord: null } };
    expect(() => planSuccessFollowUps(msg, 1, ctx())).toThrow(ProtocolError);
    expect(() => planSuccessFollowUps(msg, 1, ctx())).toThrow('embed.callbacks[0].args must be an array');
  });
});

describe('planChordError reproduces chord_error_from_stack (vector 16)', () => {
  it('a failed header: the body\'s errback sent with (body id,), then the body FAILURE ChordError listing that errback group as children', () => {
    const member = parent(1601);
    const stored = JSON.parse(fx.metas[`celery-task-meta-${tid(1602)}`] as string) as { result: { exc_message: string[] }; children: unknown[] };
    const chordError = { excType: 'ChordError', excMessage: stored.result.exc_message, excModule: 'celery.exceptions' };
    const cause = { excType: 'KeyError', excMessage: ['z'], excModule: 'builtins' };
    const steps = planChordError(member.embed.chord, chordError, cause, { id: member.id, rootId: member.rootId }, ctx());
    expect(steps.map((s) => s.kind)).toEqual(['publish', 'mark-failed']);
    const groups = new Map<string, string>();
    expectSameAsPython((steps[0] as { planned: PlannedMessage }).planned, groups);
    const failed = steps[1] as { taskId: string; exception: unknown; children: unknown[] };
    expect(failed.taskId).toBe(tid(1602));
    expect(chordErrorMessage({ taskId: tid(1601), exception: cause })).toBe(stored.result.exc_message[0]);
    expect(JSON.parse(JSON.stringify(failed.children).replace('gen-1', groups.get('gen-1') ?? ''))).toEqual(stored.children);
  });
});

describe('planFailureFollowUps reproduces Python failure handling', () => {
  it('one errback: sent as a group of one with (failed id,) and parent/root = failed id', () => {
    const plan = planFailureFollowUps(parent(731), ctx());
    expect(plan.chainFailures).toEqual([]);
    expect(messagesOf(plan.errbacks).map((m) => m.taskId)).toEqual([tid(732)]);
    expectSameAsPython(messagesOf(plan.errbacks)[0] as PlannedMessage, new Map());
  });

  it('two errbacks: one group, indexes 0 and 1', () => {
    const plan = planFailureFollowUps(parent(741), ctx());
    const groups = new Map<string, string>();
    messagesOf(plan.errbacks).forEach((m) => expectSameAsPython(m, groups));
    expect(new Set(messagesOf(plan.errbacks).map((m) => m.message.headers.group)).size).toBe(1);
  });

  it('new-style errbacks this worker has are split off to be called in process; the rest are still sent', () => {
    const plan = planFailureFollowUps(parent(741), { ...ctx(), isLocalErrback: (name) => name === 'canvas.on_err' });
    expect(plan.localErrbacks.map((e) => e.task)).toEqual(['canvas.on_err', 'canvas.on_err']);
    expect(plan.errbacks).toEqual([]);
    expect(planFailureFollowUps(parent(741), { ...ctx(), isLocalErrback: () => false }).localErrbacks).toEqual([]);
  });

  it('failing chain: every remaining step id is marked, as Python stored FAILURE for them', () => {
    const plan = planFailureFollowUps(parent(811), ctx());
    expect(plan.chainFailures).toEqual([
      { taskId: tid(813), groupId: null, groupIndex: null, chord: null }, { taskId: tid(812), groupId: null, groupIndex: null, chord: null }]);
    for (const { taskId } of plan.chainFailures) expect(JSON.parse(fx.metas[`celery-task-meta-${taskId}`] as string).status).toBe('FAILURE');
    expect(messagesOf(plan.errbacks)).toEqual([]);
  });
});
