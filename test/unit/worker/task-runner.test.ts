import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { currentRequest } from '../../../src/app/request-context';
import type { ExecutionOutcome } from '../../../src/worker/execute-task';
import type { ExecutionDeps } from '../../../src/worker/execution-deps';
import { RequestTracker, type TrackedRequest } from '../../../src/worker/request-tracker';
import { TaskRunner } from '../../../src/worker/task-runner';
import type { Delivery } from '../../../src/transport/transport';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import { wireTask } from '../../helpers/task-wire';

const silent = pino({ level: 'silent' });

/** One run the stand-in executor started: end its handler, then settle its outcome. */
interface Started { id: string; scopeId: string | undefined; handlerEnded(): void; finish(outcome: ExecutionOutcome): void; fail(err: Error): void }

function rig(concurrency = 2) {
  const app = new Celery('runner-test');
  app.task('tasks.add', (x: number, y: number) => x + y);
  const tracker = new RequestTracker('ts1@test');
  const started: Started[] = [];
  const ended: Array<{ id: string; outcome: string; scopeId: string | undefined }> = [];
  const counters: Record<ExecutionOutcome, number> = { succeeded: 0, failed: 0, revoked: 0, retried: 0, rejected: 0, ignored: 0 };
  let idleChecks = 0;
  let stopping = false;
  const runner = new TaskRunner({
    app, tracker, counters, log: silent, contextFields: [], taskLog: () => silent, concurrency: () => concurrency,
    isStopping: () => stopping, runEnded: () => { idleChecks++; },
    signals: { ended: (req, outcome) => { ended.push({ id: req.msg.id, outcome, scopeId: currentRequest()?.id }); } },
    execution: {} as Omit<ExecutionDeps, 'handlerEnded'>,
    execute: (_def, req, deps) => new Promise<ExecutionOutcome>((resolve, reject) => {
      started.push({ id: req.msg.id, scopeId: currentRequest()?.id, handlerEnded: () => deps.handlerEnded?.(req),
        finish: (outcome) => resolve(outcome), fail: (err) => reject(err) });
    }),
  });
  const request = (id: string, task = 'tasks.add'): TrackedRequest => {
    const message = wireTask(task, [1, 2], { id });
    const delivery = { message, deliveryTag: id, queue: 'celery', route: { exchange: '', routingKey: 'celery' }, redelivered: false,
      ack: () => Promise.resolve(), reject: () => Promise.resolve() } as Delivery;
    const req = tracker.create(decodeTaskMessage(message, { accept: ['json'], maxBodyBytes: 1 << 20 }), delivery);
    tracker.set(req, 'reserved');
    return req;
  };
  return { runner, tracker, started, ended, counters, request, idleChecks: () => idleChecks, stop: () => { stopping = true; } };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TaskRunner', () => {
  it('starts at most `concurrency` requests, in order, each active and inside its request scope', () => {
    const r = rig(2);
    for (const id of ['a', 'b', 'c']) r.runner.push(r.request(id));
    r.runner.pump();
    expect(r.started.map((s) => s.id)).toEqual(['a', 'b']);
    expect(r.started.map((s) => s.scopeId)).toEqual(['a', 'b']);
    expect(r.tracker.list('active').map((q) => q.msg.id)).toEqual(['a', 'b']);
    expect(r.tracker.list('reserved').map((q) => q.msg.id)).toEqual(['c']);
  });

  it('frees the slot when the handler returns, before the outcome settles', () => {
    const r = rig(1);
    const a = r.request('a');
    r.runner.push(a);
    r.runner.push(r.request('b'));
    r.runner.pump();
    expect(r.runner.holdsSlot(a)).toBe(true);
    r.started[0]?.handlerEnded();
    expect(r.runner.holdsSlot(a)).toBe(false);
    expect(r.started.map((s) => s.id)).toEqual(['a', 'b']);
    // a stays active (its result and ack are in flight) until its outcome settles.
    expect(r.tracker.list('active').map((q) => q.msg.id)).toEqual(['a', 'b']);
  });

  it('on the outcome: postrun inside the scope, counted, tracked out, idle checked, the next one started', async () => {
    const r = rig(1);
    r.runner.push(r.request('a'));
    r.runner.push(r.request('b'));
    r.runner.pump();
    r.started[0]?.finish('succeeded');
    await turn();
    expect(r.ended).toEqual([{ id: 'a', outcome: 'succeeded', scopeId: 'a' }]);
    expect(r.counters.succeeded).toBe(1);
    expect(r.tracker.list('active').map((q) => q.msg.id)).toEqual(['b']);
    expect(r.tracker.totalsByName()).toEqual({ 'tasks.add': 1 });
    expect(r.idleChecks()).toBe(1);
    expect(r.started.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('ends a run whose execution rejected (logged), without counting an outcome', async () => {
    const r = rig(1);
    r.runner.push(r.request('a'));
    r.runner.pump();
    r.started[0]?.fail(new Error('unexpected'));
    await turn();
    expect(r.ended).toEqual([]);
    expect(Object.values(r.counters).reduce((x, y) => x + y, 0)).toBe(0);
    expect(r.tracker.list('active')).toEqual([]);
    expect(r.idleChecks()).toBe(1);
  });

  it('starts nothing once stopping, and forgets what waits on dropWaiting()', () => {
    const r = rig(1);
    r.runner.push(r.request('a'));
    r.runner.push(r.request('b'));
    r.runner.pump();
    r.stop();
    r.started[0]?.handlerEnded();
    expect(r.started.map((s) => s.id)).toEqual(['a']);
    r.runner.dropWaiting();
    expect(r.started).toHaveLength(1);
  });

  it('skips a request whose task is not registered (intake refuses those first)', () => {
    const r = rig(1);
    r.runner.push(r.request('x', 'tasks.gone'));
    r.runner.push(r.request('a'));
    r.runner.pump();
    expect(r.started.map((s) => s.id)).toEqual(['a']);
  });
});
