import pino, { type Logger } from 'pino';
import type { Celery } from '../../src/app/celery';
import { MemoryResultBackend } from '../../src/backend/memory-result-backend';
import { loadConfig } from '../../src/config/load-config';
import type { SettingsInput } from '../../src/config/settings-schema';
import type { KombuMessage, Route } from '../../src/protocol/kombu-message';
import { MemoryTransport } from '../../src/transport/memory/memory-transport';
import type { Clock } from '../../src/worker/clock';
import { Worker } from '../../src/worker/worker';

/** A Worker on the in-memory transport and backend, with what it published recorded. */
export interface MemoryWorkerHarness {
  worker: Worker;
  transport: MemoryTransport;
  backend: MemoryResultBackend;
  /** Every message the worker (or the test) published, in order. */
  published: Array<{ message: KombuMessage; route: Route }>;
}

const running: Worker[] = [];

/** Starts a worker (concurrency 2 unless `conf` says otherwise) for a unit test; close with closeMemoryWorkers(). */
export async function startMemoryWorker(app: Celery, options: { conf?: SettingsInput; clock?: Clock; logger?: Logger } = {}): Promise<MemoryWorkerHarness> {
  const transport = new MemoryTransport();
  const backend = new MemoryResultBackend();
  const worker = new Worker({
    app, transport, backend, settings: loadConfig({}, { worker_concurrency: 2, ...options.conf }), hostname: 'ts1@test',
    logger: options.logger ?? pino({ level: 'silent' }), ...(options.clock ? { clock: options.clock } : {}),
    followUps: { hostname: 'gen1@test', replyTo: 'oid-test' },
  });
  const published: MemoryWorkerHarness['published'] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (message, route) => { published.push({ message, route }); return publish(message, route); };
  await worker.start();
  running.push(worker);
  return { worker, transport, backend, published };
}

/** Closes every worker startMemoryWorker started (call from afterEach). */
export async function closeMemoryWorkers(): Promise<void> {
  await Promise.all(running.splice(0).map((w) => w.close()));
}

/** A clock whose timers fire only when the test advances it, in time order. */
export function manualClock(startMs = 0): Clock & { advance(ms: number): void; timers: Array<{ at: number; fn: () => void }> } {
  let now = startMs;
  const timers: Array<{ at: number; fn: () => void }> = [];
  return {
    timers,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); };
    },
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now && timers.includes(t)) { timers.splice(timers.indexOf(t), 1); t.fn(); }
      }
    },
  };
}

/** Waits for a condition driven by the worker's own event-loop turns (no fixed sleeps). */
export async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
