import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Transport } from '../../transport/transport';
import type { TaskEventFields, TaskEventSink, TaskEventType, WorkerInspector } from '../worker-state';

/** Construction options of WorkerMetrics. */
export interface WorkerMetricsOptions {
  /** Read side for the gauges sampled on scrape. */
  inspector: Pick<WorkerInspector, 'hostname' | 'activeRequests' | 'reservedRequests' | 'scheduledRequests' | 'prefetchCount' | 'activeQueues'>;
  /** Queue lengths (sum of kombu's four priority lists) sampled on scrape. */
  transport: Pick<Transport, 'queueLength'>;
  /** Also export Node process metrics (CPU, memory, event loop lag). Default true. */
  processMetrics?: boolean;
  /** Task ids remembered between task-received and their end, to label later events by name. Default 100000. */
  maxTrackedTasks?: number;
}

/** Task runtime histogram buckets, seconds: 5 ms to 10 min. */
export const RUNTIME_BUCKETS_SEC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Outcome label of each task event. */
const OUTCOMES: Record<TaskEventType, string> = {
  'task-received': 'received',
  'task-started': 'started',
  'task-succeeded': 'succeeded',
  'task-failed': 'failed',
  'task-retried': 'retried',
  'task-rejected': 'rejected',
  'task-revoked': 'revoked',
};

/** Every task event type, in a fixed order (the slots of WorkerMetrics' pending counts). */
const EVENT_TYPES = Object.keys(OUTCOMES) as TaskEventType[];
const EVENT_INDEX = Object.fromEntries(EVENT_TYPES.map((t, i) => [t, i])) as Record<TaskEventType, number>;

/** Adds the pending counts to the counter and clears them. */
function flushCounts(pending: Map<string, number[]>, counter: Counter<'name' | 'outcome'>): void {
  for (const [name, slots] of pending) {
    slots.forEach((n, i) => { if (n > 0) counter.inc({ name, outcome: OUTCOMES[EVENT_TYPES[i] as TaskEventType] }, n); });
  }
  pending.clear();
}

/** Events after which a task id is no longer tracked. */
const FINAL: ReadonlySet<TaskEventType> = new Set(['task-succeeded', 'task-failed', 'task-retried', 'task-rejected', 'task-revoked']);

/**
 * The worker's Prometheus metrics (prom-client), in its own registry: task counts by name and
 * outcome, runtime histogram, retries, events sent (fed as a TaskEventSink and by the event
 * dispatcher), and gauges read at scrape time (active tasks, prefetch occupancy, queue lengths).
 */
export class WorkerMetrics implements TaskEventSink {
  /** The registry to expose (`/metrics`). */
  readonly registry = new Registry();
  private readonly tasks: Counter<'name' | 'outcome'>;
  private readonly runtime: Histogram<'name' | 'outcome'>;
  private readonly retries: Counter<'name'>;
  private readonly eventsSent: Counter<'type'>;
  private readonly names = new Map<string, string>();
  /** Task events counted since the last scrape: per task name, one slot per event type (EVENT_TYPES order). */
  private readonly pendingCounts = new Map<string, number[]>();
  private readonly maxTracked: number;

  constructor(options: WorkerMetricsOptions) {
    const { inspector, transport } = options;
    this.maxTracked = options.maxTrackedTasks ?? 100_000;
    this.registry.setDefaultLabels({ worker: inspector.hostname });
    const registers = [this.registry];
    const pendingCounts = this.pendingCounts;
    this.tasks = new Counter({ name: 'celeriac_tasks_total', help: 'Task events by task name and outcome (received, started, succeeded, failed, retried, rejected, revoked).', labelNames: ['name', 'outcome'], registers,
      // Counted per event in pendingCounts (a Map lookup and an array slot), added here at scrape time.
      collect() { flushCounts(pendingCounts, this); } });
    this.runtime = new Histogram({ name: 'celeriac_task_runtime_seconds', help: 'Task execution time in seconds, by task name and outcome.', labelNames: ['name', 'outcome'], buckets: RUNTIME_BUCKETS_SEC, registers });
    this.retries = new Counter({ name: 'celeriac_task_retries_total', help: 'Task retries scheduled, by task name.', labelNames: ['name'], registers });
    this.eventsSent = new Counter({ name: 'celeriac_events_sent_total', help: 'Celery events published on celeryev, by event type.', labelNames: ['type'], registers });
    new Gauge({
      name: 'celeriac_active_tasks', help: 'Tasks executing now.', registers,
      collect() { this.set(inspector.activeRequests().length); },
    });
    new Gauge({
      name: 'celeriac_prefetched_messages', help: 'Messages received and not yet finished (active + reserved + ETA-scheduled).', registers,
      collect() { this.set(countPrefetched(inspector)); },
    });
    new Gauge({
      name: 'celeriac_prefetch_limit', help: 'Current prefetch bound (0 = unlimited).', registers,
      collect() { this.set(inspector.prefetchCount()); },
    });
    new Gauge({
      name: 'celeriac_prefetch_occupancy_ratio', help: 'Prefetched messages / prefetch bound (0 when unlimited).', registers,
      collect() {
        const limit = inspector.prefetchCount();
        this.set(limit > 0 ? countPrefetched(inspector) / limit : 0);
      },
    });
    new Gauge({
      name: 'celeriac_queue_length', help: 'Messages ready in each consumed queue (all priority levels).', labelNames: ['queue'], registers,
      async collect() {
        this.reset();
        const queues = inspector.activeQueues();
        const lengths = await Promise.all(queues.map((q) => transport.queueLength(q).catch(() => Number.NaN)));
        queues.forEach((q, i) => this.set({ queue: q }, lengths[i] as number));
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'celeriac_' });
  }

  /** TaskEventSink: counts the event (and its runtime/retry). Never throws. */
  taskEvent(type: TaskEventType, fields: TaskEventFields): void {
    const name = this.nameOf(type, fields);
    const outcome = OUTCOMES[type];
    this.countTask(name, type);
    if (fields.runtimeSec !== undefined && Number.isFinite(fields.runtimeSec)) {
      this.runtime.observe({ name, outcome }, fields.runtimeSec);
    }
    if (type === 'task-retried') this.retries.inc({ name });
    if (FINAL.has(type)) this.names.delete(fields.uuid);
  }

  /** `count` events of `type` published (wire to `EventDispatcher` `onPublished`). */
  eventSent(type: string, count = 1): void {
    this.eventsSent.inc({ type }, count);
  }

  /** Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content-Type of `render()`'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * One task event counted: prom-client's `inc(labels)` hashes its label object on every call, a
   * hot-path cost at three events per task; the counter adds these counts when it is collected.
   */
  private countTask(name: string, type: TaskEventType): void {
    let slots = this.pendingCounts.get(name);
    if (!slots) this.pendingCounts.set(name, (slots = EVENT_TYPES.map(() => 0)));
    const at = EVENT_INDEX[type];
    slots[at] = (slots[at] ?? 0) + 1;
  }

  /** Task name for an event: given on task-received, remembered by id for the later events. */
  private nameOf(type: TaskEventType, fields: TaskEventFields): string {
    if (fields.name) {
      if (type === 'task-received' && this.names.size < this.maxTracked) this.names.set(fields.uuid, fields.name);
      return fields.name;
    }
    return this.names.get(fields.uuid) ?? 'unknown';
  }
}

function countPrefetched(inspector: WorkerMetricsOptions['inspector']): number {
  return inspector.activeRequests().length + inspector.reservedRequests().length + inspector.scheduledRequests().length;
}
