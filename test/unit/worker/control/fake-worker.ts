import { settingsSchema } from '../../../../src/config/settings-schema';
import type { KombuMessage, Route } from '../../../../src/protocol/kombu-message';
import { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import type { FanoutMessage } from '../../../../src/transport/transport';
import type { EventReprs } from '../../../../src/worker/events/build-task-event-data';
import type { RequestInfo, TaskInfo, WorkerController, WorkerInspector } from '../../../../src/worker/worker-state';

/** A small Python repr for tests (str, int, bool, None, list, dict, tuple via arrays). */
export function testRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(testRepr).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${testRepr(k)}: ${testRepr(v)}`).join(', ')}}`;
}

/** Test reprs: errors as `Name('message')`, traceback as a fixed Python-like header plus the message. */
export const testReprs: EventReprs = {
  repr: testRepr,
  exceptionRepr: (err) => (err instanceof Error ? `${err.name}(${testRepr(err.message)})` : `Exception(${testRepr(String(err))})`),
  traceback: (err) => `Traceback (most recent call last):\n${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`,
};

/** A request as the worker would report it. */
export function makeRequest(id: string, overrides: Partial<RequestInfo> = {}): RequestInfo {
  return {
    id,
    name: 'tapp.add',
    args: [2, 3],
    kwargs: {},
    argsRepr: '(2, 3)',
    kwargsRepr: '{}',
    hostname: 'ts1@host',
    timeStartSec: 1795234996.9225783,
    acknowledged: true,
    deliveryInfo: { exchange: '', routingKey: 'celery', priority: 0, redelivered: false },
    eta: null,
    workerPid: 4242,
    stampedHeaders: null,
    stamps: {},
    ...overrides,
  };
}

/** A fake worker: mutable lists behind WorkerInspector, recorded WorkerController calls. */
export class FakeWorker implements WorkerInspector, WorkerController {
  hostname = 'ts1@host';
  settings = settingsSchema.parse({ broker_url: 'redis://:s3cret@broker.example:6380/3', worker_concurrency: 97 });
  startedAtMs = 1_000_000;
  active: RequestInfo[] = [];
  reserved: RequestInfo[] = [];
  scheduled: RequestInfo[] = [];
  queues = ['celery'];
  concurrencyValue = 4;
  consuming = true;
  calls: Array<[string, ...unknown[]]> = [];

  activeRequests(): RequestInfo[] { return this.active; }
  reservedRequests(): RequestInfo[] { return this.reserved; }
  scheduledRequests(): RequestInfo[] { return this.scheduled; }
  totals(): Record<string, number> { return { 'tapp.add': 8, 'tapp.tsum': 1 }; }
  registeredTasks(): string[] { return ['tapp.tsum', 'celery.chord_unlock', 'tapp.add']; }
  taskInfo(name: string): TaskInfo | null {
    if (!this.registeredTasks().includes(name)) return null;
    return { name, queue: null, rateLimit: name === 'tapp.add' ? '10/m' : null, timeLimitSec: null, softTimeLimitSec: null, acksLate: false,
      ignoreResult: false, trackStarted: false, maxRetries: 3, defaultRetryDelaySec: 180, rejectOnWorkerLost: false };
  }
  activeQueues(): string[] { return this.queues; }
  prefetchCount(): number { return this.concurrencyValue * 4; }
  concurrency(): number { return this.concurrencyValue; }
  isConsuming(): boolean { return this.consuming; }

  revoke(ids: readonly string[], options: { terminate: boolean; signal?: string }): string[] {
    this.calls.push(['revoke', [...ids], options]);
    return options.terminate ? ids.filter((id) => this.active.some((r) => r.id === id)) : [];
  }
  revokedIds(): string[] { return []; }
  terminateRequests(ids: readonly string[], options: { signal?: string }): string[] {
    this.calls.push(['terminateRequests', [...ids], options]);
    return ids.filter((id) => this.active.some((r) => r.id === id));
  }
  async addQueue(queue: string): Promise<void> { this.calls.push(['addQueue', queue]); this.queues.push(queue); }
  async cancelQueue(queue: string): Promise<void> { this.calls.push(['cancelQueue', queue]); this.queues = this.queues.filter((q) => q !== queue); }
  resizePool(delta: number): number { this.calls.push(['resizePool', delta]); this.concurrencyValue += delta; return this.concurrencyValue; }
  shutdown(): void { this.calls.push(['shutdown']); }
}

/** A message published through the fake transport. */
export interface Published {
  kind: 'fanout' | 'publish';
  exchange: string;
  routingKey: string;
  message: KombuMessage;
}

/**
 * The shared MemoryTransport (real fanout patterns and reply-exchange binding lookup), recording
 * what is published so tests can wait for it; `failPublish` simulates a broker outage and
 * `lengths` overrides queue lengths.
 */
export class FakeTransport extends MemoryTransport {
  published: Published[] = [];
  lengths: Record<string, number> = {};
  failPublish = false;
  private subscribed = 0;
  private waiters: Array<{ test: (p: Published) => boolean; resolve: (p: Published) => void }> = [];

  override async publishFanout(exchange: string, routingKey: string, message: KombuMessage): Promise<void> {
    if (this.failPublish) throw new Error('broker down');
    this.record({ kind: 'fanout', exchange, routingKey, message });
    await super.publishFanout(exchange, routingKey, message);
  }

  override async subscribeFanout(exchange: string, pattern: string, onMessage: (msg: FanoutMessage) => void): Promise<() => Promise<void>> {
    const unsubscribe = await super.subscribeFanout(exchange, pattern, onMessage);
    this.subscribed++;
    let done = false;
    return async () => {
      if (!done) this.subscribed--;
      done = true;
      await unsubscribe();
    };
  }

  override async publish(message: KombuMessage, route: Route): Promise<void> {
    if (this.failPublish) throw new Error('broker down');
    this.record({ kind: 'publish', exchange: route.exchange, routingKey: route.routingKey, message });
    await super.publish(message, route);
  }

  override async queueLength(queue: string): Promise<number> {
    return this.lengths[queue] ?? super.queueLength(queue);
  }

  /** Number of live fanout subscriptions. */
  get subscriptionCount(): number {
    return this.subscribed;
  }

  /** Resolves with the first (past or future) published message matching `test`. */
  waitFor(test: (p: Published) => boolean): Promise<Published> {
    const found = this.published.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private record(p: Published): void {
    this.published.push(p);
    this.waiters = this.waiters.filter((w) => (w.test(p) ? (w.resolve(p), false) : true));
  }
}

/** Parsed JSON body of a published message. */
export function bodyOf(p: Published): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(p.message.body.toString('utf-8'));
}
