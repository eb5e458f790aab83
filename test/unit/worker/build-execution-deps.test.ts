// What every execution of a worker shares: the policy read from the settings, and effects routed to
// the worker's transport, app and backend. Pure composition: an in-memory transport, a manual clock.
import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { loadConfig } from '../../../src/config/load-config';
import { ManualClock } from '../../../src/testing/manual-clock';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { buildExecutionDeps, type ExecutionParts } from '../../../src/worker/build-execution-deps';
import { RequestTracker } from '../../../src/worker/request-tracker';
import type { ResultWriter } from '../../../src/worker/result-writer';
import type { WorkerSignals } from '../../../src/worker/signals/worker-signals';

const silent = pino({ level: 'silent' });

function parts(clock: ManualClock): ExecutionParts {
  return {
    clock, writer: {} as ResultWriter, events: { taskEvent: () => undefined }, tracker: new RequestTracker('ts1@test'),
    isRevoked: () => false, timeLimitsFor: () => ({ softSec: null, hardSec: null }), threads: null, signals: {} as WorkerSignals, log: silent,
  };
}

it('reads the policy from the settings and the clock', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 2));
  const settings = loadConfig({}, { task_acks_late: true, task_track_started: true, task_dead_letter_queue: 'dead', task_ignore_result: false });
  const deps = buildExecutionDeps({ app: new Celery('x'), transport: new MemoryTransport(), backend: null, settings, hostname: 'ts1@h',
    followUps: { hostname: 'ts1@h', replyTo: 'r-1' } }, parts(clock));
  expect(deps.policy).toMatchObject({ hostname: 'ts1@h', acksLate: true, trackStarted: true, ignoreResult: false, deadLetterQueue: 'dead' });
  expect(deps.policy.now()).toBe(Date.UTC(2026, 0, 2));
  clock.advance(1500);
  expect(deps.policy.now()).toBe(Date.UTC(2026, 0, 2) + 1500);
});

it('looks tasks up in the app, has no chord effects without a backend, and gives follow-ups the worker\'s origin and the clock\'s time', () => {
  const app = new Celery('x');
  app.task('tasks.add', (a: number, b: number) => a + b);
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const deps = buildExecutionDeps({ app, transport: new MemoryTransport(), backend: null, settings: loadConfig({}, {}), hostname: 'ts1@h',
    followUps: { hostname: 'ts1@h', replyTo: 'r-1' } }, parts(clock));
  expect(deps.lookupTask?.('tasks.add')?.name).toBe('tasks.add');
  expect(deps.lookupTask?.('tasks.nope')).toBeUndefined();
  expect(deps.onChordPartReturn).toBeNull();
  expect(deps.chords).toBeNull();
  expect(deps.context()).toMatchObject({ hostname: 'ts1@h', replyTo: 'r-1', now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), inheritHeaders: {} });
});
