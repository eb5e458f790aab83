import type { Logger } from 'pino';
import type { Celery } from '../app/celery';
import type { FollowUpContext } from '../canvas/plan-follow-ups';
import type { Settings } from '../config/settings-schema';
import type { Transport } from '../transport/transport';
import type { ResultBackend } from '../backend/result-backend';
import type { PlannedMessage } from '../canvas/build-signature-message';
import { currentRequest } from '../app/request-context';
import type { TaskMessage } from '../protocol/task-message';
import { publishWithSignals } from '../producer/producer';
import { retryDefaultsOf } from './autoretry';
import type { Clock } from './clock';
import type { ExecutionDeps } from './execution-deps';
import { mergeRecords } from './merge-records';
import type { ThreadDispatch } from './pool/thread-dispatch';
import type { RequestTracker } from './request-tracker';
import type { ResultWriter } from './result-writer';
import type { WorkerSignals } from './signals/worker-signals';
import type { TimeLimits } from './task-limits';
import type { TaskEventSink } from './worker-state';

/** What the worker was built from that an execution uses (the worker's WorkerDeps fit). */
export interface ExecutionSources {
  app: Celery;
  transport: Transport;
  backend: ResultBackend | null;
  settings: Settings;
  hostname: string;
  followUps: Pick<FollowUpContext, 'hostname' | 'replyTo' | 'router'>;
}

/** The worker's own parts an execution uses, beside its sources. */
export interface ExecutionParts {
  clock: Clock;
  writer: ResultWriter;
  events: TaskEventSink;
  tracker: RequestTracker;
  isRevoked(msg: TaskMessage): boolean;
  timeLimitsFor(msg: TaskMessage): TimeLimits;
  threads: ThreadDispatch | null;
  signals: WorkerSignals;
  log: Logger;
}

/** What every execution of this worker shares (TaskRunner adds `handlerEnded`): policy from settings, effects through the deps. */
export function buildExecutionDeps(deps: ExecutionSources, parts: ExecutionParts): Omit<ExecutionDeps, 'handlerEnded'> {
  const { settings, app, transport, backend } = deps;
  const { clock, log } = parts;
  return {
    policy: { hostname: deps.hostname, acksLate: settings.task_acks_late, trackStarted: settings.task_track_started,
      ignoreResult: settings.task_ignore_result, now: () => clock.now(),
      retryDefaults: retryDefaultsOf(settings), deadLetterQueue: settings.task_dead_letter_queue },
    writer: parts.writer,
    events: parts.events,
    tracker: parts.tracker,
    isRevoked: parts.isRevoked,
    timeLimitsFor: parts.timeLimitsFor,
    threads: parts.threads,
    clock,
    signals: parts.signals,
    publish: (planned: PlannedMessage) => publishWithSignals(planned, (m, r) => transport.publish(m, r), app.signals, log),
    onChordPartReturn: backend?.onChordPartReturn ? (part) => (backend as ResultBackend & Required<Pick<ResultBackend, 'onChordPartReturn'>>).onChordPartReturn(part) : null,
    chords: backend?.chordEffects ?? null,
    lookupTask: (name) => app.getTask(name),
    // Called while a task runs: its follow-ups carry its correlation fields.
    context: () => mergeRecords(deps.followUps, { now: new Date(clock.now()), inheritHeaders: currentRequest()?.fields ?? {} }),
  };
}
