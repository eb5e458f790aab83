import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { loadConfig } from '../../../src/config/load-config';
import type { KombuMessage } from '../../../src/protocol/kombu-message';
import { ManualClock } from '../../../src/testing/manual-clock';
import type { Delivery, Transport } from '../../../src/transport/transport';
import { RevokedSet } from '../../../src/worker/control/revoked-set';
import { RequestTracker, type TrackedRequest } from '../../../src/worker/request-tracker';
import type { ResultWriter } from '../../../src/worker/result-writer';
import { TaskIntake } from '../../../src/worker/task-intake';
import { TaskLimits } from '../../../src/worker/task-limits';
import type { TaskEventType } from '../../../src/worker/worker-state';
import { wireTask } from '../../helpers/task-wire';

function delivery(message: KombuMessage, tag = 'tag-1'): Delivery {
  return { message, deliveryTag: tag, queue: 'celery', route: { exchange: '', routingKey: 'celery' }, redelivered: false,
    ack: () => Promise.resolve(), reject: () => Promise.resolve() };
}

/** An intake over real tracker, limits and clock; runner, signals, events and the poison path recorded. */
function rig() {
  const app = new Celery('intake-test');
  app.task('tasks.add', (x: number, y: number) => x + y);
  const settings = loadConfig({}, { worker_concurrency: 1 });
  const clock = new ManualClock(Date.parse('2026-12-04T00:00:00Z'));
  const tracker = new RequestTracker('ts1@test');
  const pushed: string[] = [];
  const events: TaskEventType[] = [];
  const tracked: Array<Promise<unknown>> = [];
  const refused: string[] = [];
  const prefetch = { value: 4, changes: [] as number[] };
  let stopping = false;
  const runner = { pumps: 0, dropped: 0, push: (req: TrackedRequest) => { pushed.push(req.msg.id); }, pump: () => { runner.pumps++; },
    dropWaiting: () => { runner.dropped++; } };
  const counters = { received: 0, refused: 0 };
  const intake = new TaskIntake({
    app, settings, hostname: 'ts1@test', log: pino({ level: 'silent' }), clock,
    // The poison path's FAILURE write never settles here: only that it was started (tracked) is checked.
    transport: {} as Transport, writer: { markFailedWith: () => new Promise(() => undefined) } as unknown as ResultWriter,
    tracker, signals: { refused: (r) => { refused.push(r.reason); }, received: () => undefined }, counters,
    limits: new TaskLimits(app, settings, () => clock.now()), runner, revoked: new RevokedSet(), isRevoked: () => false,
    prefetch: { count: () => prefetch.value, limit: undefined, adjust: (d) => { prefetch.value += d; prefetch.changes.push(d); return true; } },
    emit: (type) => { events.push(type); }, track: (p) => { tracked.push(p); }, taskLog: () => pino({ level: 'silent' }),
    isStopping: () => stopping,
  });
  return { intake, tracker, clock, pushed, events, tracked, refused, prefetch, runner, counters, stop: () => { stopping = true; } };
}

describe('TaskIntake', () => {
  it('releases a task without ETA to the runner at once, reserved, in arrival order', () => {
    const r = rig();
    const a = wireTask('tasks.add', [1, 2], { id: 'a' });
    const b = wireTask('tasks.add', [3, 4], { id: 'b' });
    r.intake.receive(delivery(a, 't-a'));
    r.intake.receive(delivery(b, 't-b'));
    expect(r.pushed).toEqual(['a', 'b']);
    expect(r.runner.pumps).toBe(2);
    expect(r.tracker.list('reserved').map((q) => q.msg.id)).toEqual(['a', 'b']);
    expect(r.counters).toEqual({ received: 2, refused: 0 });
    expect(r.events).toEqual(['task-received', 'task-received']);
  });

  it('holds an ETA task as scheduled with a raised prefetch, then releases it when due', () => {
    const r = rig();
    const eta = new Date(r.clock.now() + 5000).toISOString();
    r.intake.receive(delivery(wireTask('tasks.add', [1, 2], { id: 'later', eta })));
    expect(r.pushed).toEqual([]);
    expect(r.tracker.list('scheduled').map((q) => q.msg.id)).toEqual(['later']);
    expect(r.prefetch.value).toBe(5);
    r.clock.advance(5000);
    expect(r.pushed).toEqual(['later']);
    expect(r.tracker.list('reserved').map((q) => q.msg.id)).toEqual(['later']);
    expect(r.prefetch.value).toBe(4);
  });

  it('refuses a task it does not know: counted, reported, FAILURE path started, nothing released', () => {
    const r = rig();
    r.intake.receive(delivery(wireTask('tasks.unknown', [], { id: 'u' })));
    expect(r.counters).toEqual({ received: 1, refused: 1 });
    expect(r.refused).toHaveLength(1);
    expect(r.refused[0]).toMatch(/tasks\.unknown/);
    expect(r.events).toEqual(['task-rejected']);
    expect(r.tracked).toHaveLength(1);
    expect(r.pushed).toEqual([]);
    expect(r.tracker.list('reserved')).toEqual([]);
  });

  it('stop() drops held and waiting requests and releases nothing afterwards', () => {
    const r = rig();
    r.intake.receive(delivery(wireTask('tasks.add', [1, 2], { id: 'now' })));
    r.intake.receive(delivery(wireTask('tasks.add', [1, 2], { id: 'later', eta: new Date(r.clock.now() + 1000).toISOString() })));
    r.stop();
    expect(r.intake.stop()).toBe(2);
    expect(r.runner.dropped).toBe(1);
    expect(r.tracker.list('reserved')).toEqual([]);
    expect(r.tracker.list('scheduled')).toEqual([]);
    r.clock.advance(2000);
    expect(r.pushed).toEqual(['now']);
  });

  it('does not release a hold that falls due once stopping', () => {
    const r = rig();
    r.intake.receive(delivery(wireTask('tasks.add', [1, 2], { id: 'later', eta: new Date(r.clock.now() + 1000).toISOString() })));
    r.stop();
    r.clock.advance(1000);
    expect(r.pushed).toEqual([]);
  });
});
