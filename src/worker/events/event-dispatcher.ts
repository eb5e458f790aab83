import { loadavg as osLoadavg, type as osType } from 'node:os';
import type { Logger } from 'pino';
import {
  EVENT_EXCHANGE, buildEvent, buildEventRoutingKey, buildSoftwareFields, buildWorkerEventFields, encodeEventMessageText,
  type EventBody, type EventOrigin, type SoftwareInfo,
} from '../../protocol/events/encode-event';
import { encodeTaskEvent } from '../../protocol/events/encode-task-event';
import { encodePythonJsonWithFloats } from '../../protocol/events/python-float';
import type { Transport } from '../../transport/transport';
import { coerceError } from '../../errors/coerce-error';
import { systemClock, type Clock } from '../clock';
import type { TaskEventFields, TaskEventSink, TaskEventType, WorkerInspector } from '../worker-state';
import type { LamportClock } from './lamport-clock';
import { buildTaskEventData, type EventReprs } from './build-task-event-data';
import { PYTHON_EVENT_REPRS } from './python-event-reprs';

/** Worker event types sent by the heart. */
export type WorkerEventType = 'worker-online' | 'worker-heartbeat' | 'worker-offline';

/** Construction options of an EventDispatcher. */
export interface EventDispatcherOptions {
  /** Where events go (`publishFanout('celeryev', <routing.key>, msg)`). */
  transport: Pick<Transport, 'publishFanout'>;
  /** Worker read side: hostname, active requests, totals. */
  inspector: Pick<WorkerInspector, 'hostname' | 'activeRequests' | 'totals'>;
  /** The worker's Lamport clock (shared with the control server). */
  clock: LamportClock;
  /** Python reprs for args/results/exceptions; default PYTHON_EVENT_REPRS. */
  reprs?: EventReprs;
  /** Heartbeat interval, seconds (Celery: `--heartbeat-interval`, default 2.0). */
  heartbeatIntervalSec?: number;
  /** Send `task-*` events from the start (`-E` / `worker_send_task_events`). */
  sendTaskEvents?: boolean;
  /** `sw_ident`/`sw_ver`/`sw_sys`; defaults to celeriac, its version and the OS. */
  software?: SoftwareInfo;
  /** Time source; timers must be unref'd. */
  timeSource?: Clock;
  /** Process id written in events. */
  pid?: number;
  /** 1/5/15-minute load averages. */
  loadavg?: () => number[];
  /**
   * Buffer task events and publish those of one event-loop turn (up to 24) as one `task.multi` list,
   * as Python workers do. Default true: measured twice as fast as one PUBLISH per event.
   */
  batchTaskEvents?: boolean;
  /**
   * Called after a message was published, once for each event type in it with how many events of that
   * type it held (1 for a lone event; a task.multi batch of 8 tasks gives received/started/succeeded × 8).
   */
  onPublished?: (type: string, count: number) => void;
  logger?: Pick<Logger, 'warn' | 'debug'>;
}

/** Task events buffered at most before a flush (Celery's `buffer_limit`). */
export const TASK_EVENT_BUFFER_LIMIT = 24;

/** Default software identity: what Flower's worker table shows. */
export const CELERIAC_SOFTWARE: SoftwareInfo = {
  ident: 'celeriac',
  version: '0.1.0',
  system: ({ Windows_NT: 'Windows' } as Record<string, string>)[osType()] ?? osType(),
};

/**
 * Publishes Celery events on `celeryev` as a Python worker does: worker-online at start, a
 * worker-heartbeat every `freq` seconds, worker-offline at close (always), and `task-*` events
 * while task events are enabled (`-E`, or the `enable_events` control command Flower sends).
 */
export class EventDispatcher implements TaskEventSink {
  private readonly opts: EventDispatcherOptions;
  private readonly freqSec: number;
  private readonly time: Clock;
  private taskEventsOn: boolean;
  private cancelTimer: (() => void) | null = null;
  private state: 'idle' | 'running' | 'closed' = 'idle';
  private pending = new Set<Promise<void>>();
  /** Task events of this turn, as JSON text, and their types. */
  private buffer: string[] = [];
  private bufferTypes: string[] = [];
  private flushScheduled: NodeJS.Immediate | null = null;
  /** Reused for `getTimezoneOffset()` at each send time. */
  private readonly tzDate = new Date(0);

  constructor(options: EventDispatcherOptions) {
    this.opts = options;
    this.freqSec = options.heartbeatIntervalSec ?? 2.0;
    this.time = options.timeSource ?? systemClock;
    this.taskEventsOn = options.sendTaskEvents ?? false;
  }

  /** Heartbeat interval in seconds. */
  get heartbeatIntervalSec(): number {
    return this.freqSec;
  }

  /** True while task events are being sent. */
  get taskEventsEnabled(): boolean {
    return this.taskEventsOn;
  }

  /** Sends worker-online and starts the heartbeat timer. */
  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'running';
    await this.sendWorkerEvent('worker-online');
    this.armHeartbeat();
  }

  /** Stops the heartbeat and sends worker-offline (after in-flight events). Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.flush();
    await Promise.allSettled([...this.pending]);
    if (wasRunning) await this.publish('worker-offline', this.workerFields());
  }

  /** `enable_events`: returns false when task events were already on. */
  enableTaskEvents(): boolean {
    if (this.taskEventsOn) return false;
    this.taskEventsOn = true;
    return true;
  }

  /** `disable_events`: returns false when task events were already off. */
  disableTaskEvents(): boolean {
    if (!this.taskEventsOn) return false;
    this.taskEventsOn = false;
    return true;
  }

  /** The `heartbeat` control command: an immediate worker-heartbeat with `freq: 5` and the software fields only. */
  async sendRequestedHeartbeat(): Promise<void> {
    if (this.state !== 'running') return;
    // Python passes freq=5, an int, here
    await this.publish('worker-heartbeat', { freq: 5, ...buildSoftwareFields(this.software()) });
  }

  /** TaskEventSink: publishes the task event when task events are on. Never throws. */
  taskEvent(type: TaskEventType, fields: TaskEventFields): void {
    if (!this.taskEventsOn || this.state !== 'running') return;
    let json: string;
    try {
      const data = buildTaskEventData(fields, this.opts.reprs ?? PYTHON_EVENT_REPRS);
      json = encodeTaskEvent(type, this.origin(), data);
    } catch (caught) {
      this.opts.logger?.warn({ err: coerceError(caught), type }, 'task event could not be built');
      return;
    }
    if (this.opts.batchTaskEvents === false) {
      this.track(this.send(type, json, [type]));
      return;
    }
    this.buffer.push(json);
    this.bufferTypes.push(type);
    if (this.buffer.length >= TASK_EVENT_BUFFER_LIMIT) this.flush();
    else this.flushScheduled ??= setImmediate(() => this.flush());
  }

  /** Publishes buffered task events: one alone as itself, several as a `task.multi` list (EventDispatcher.flush). */
  private flush(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    const batch = this.buffer;
    const types = this.bufferTypes;
    if (batch.length === 0) return;
    this.buffer = [];
    this.bufferTypes = [];
    // the text encodePythonJson gives for the list of those events
    if (batch.length === 1) this.track(this.send(types[0] as string, batch[0] as string, types));
    else this.track(this.send('task-multi', `[${batch.join(', ')}]`, types));
  }

  private armHeartbeat(): void {
    this.cancelTimer = this.time.setTimer(() => {
      if (this.state !== 'running') return;
      this.track(this.sendWorkerEvent('worker-heartbeat'));
      this.armHeartbeat();
    }, this.freqSec * 1000);
  }

  private sendWorkerEvent(type: WorkerEventType): Promise<void> {
    return this.publish(type, this.workerFields());
  }

  private workerFields(): EventBody {
    const processed = Object.values(this.opts.inspector.totals()).reduce((a, b) => a + b, 0);
    return buildWorkerEventFields({
      freqSec: this.freqSec,
      active: this.opts.inspector.activeRequests().length,
      processed,
      loadavg: (this.opts.loadavg ?? osLoadavg)(),
    }, this.software());
  }

  private software(): SoftwareInfo {
    return this.opts.software ?? CELERIAC_SOFTWARE;
  }

  /** Builds and publishes one event; failures are logged, never thrown (events are fire-and-forget). */
  private publish(type: string, fields: EventBody): Promise<void> {
    let json: string;
    try {
      json = encodePythonJsonWithFloats(buildEvent(type, this.origin(), fields));
    } catch (caught) {
      this.opts.logger?.warn({ err: coerceError(caught), type }, 'event not sent');
      return Promise.resolve();
    }
    return this.send(type, json, [type]);
  }

  /** Who sends and when, with the clock forwarded (celery `Event`): one per event. */
  private origin(): EventOrigin {
    const nowMs = this.time.now();
    this.tzDate.setTime(nowMs);
    return {
      hostname: this.opts.inspector.hostname,
      pid: this.opts.pid ?? process.pid,
      clock: this.opts.clock.forward(),
      timestampSec: nowMs / 1000,
      timezoneOffsetMin: this.tzDate.getTimezoneOffset(),
    };
  }

  /** Publishes an event body (JSON text: one event, or a list for task.multi). */
  private async send(type: string, json: string, types: readonly string[]): Promise<void> {
    try {
      const message = encodeEventMessageText(json, this.opts.inspector.hostname);
      await this.opts.transport.publishFanout(EVENT_EXCHANGE, buildEventRoutingKey(type), message);
      if (this.opts.onPublished) reportPublished(types, this.opts.onPublished);
    } catch (caught) {
      this.opts.logger?.warn({ err: coerceError(caught), type }, 'event not sent');
    }
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}

/** Calls `onPublished` once per distinct type, in first-seen order, with its count (one counter update a type, not an event). */
function reportPublished(types: readonly string[], onPublished: (type: string, count: number) => void): void {
  if (types.length === 1) {
    onPublished(types[0] as string, 1);
    return;
  }
  const distinct: string[] = [];
  const counts: number[] = [];
  for (const t of types) {
    const i = distinct.indexOf(t);
    if (i < 0) {
      distinct.push(t);
      counts.push(1);
    } else {
      counts[i] = (counts[i] as number) + 1;
    }
  }
  for (let i = 0; i < distinct.length; i++) onPublished(distinct[i] as string, counts[i] as number);
}
