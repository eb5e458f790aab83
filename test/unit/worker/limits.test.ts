import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { loadConfig } from '../../../src/config/load-config';
import type { SettingsInput } from '../../../src/config/settings-schema';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import type { Clock } from '../../../src/worker/clock';
import { runWithTimeLimits } from '../../../src/worker/run-with-time-limits';
import { TokenBucket } from '../../../src/worker/token-bucket';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../../src/worker/time-limit-errors';
import { Worker } from '../../../src/worker/worker';
import { wireTask } from '../../helpers/task-wire';

/** A manual clock: timers fire only when the test advances time. */
function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  const timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimer: (fn, ms) => { const t = { at: now + ms, fn }; timers.push(t); return () => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); }; },
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now && timers.includes(t)) { timers.splice(timers.indexOf(t), 1); t.fn(); }
      }
    },
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('condition not met');
}

describe('TokenBucket', () => {
  it('starts full, refills at its rate, and says how long to wait', () => {
    let t = 0;
    const b = new TokenBucket(2, 1, () => t);
    expect(b.canConsume()).toBe(true);
    expect(b.canConsume()).toBe(false);
    expect(b.expectedTimeMs()).toBe(500);
    t = 500;
    expect(b.canConsume()).toBe(true);
  });
});

describe('runWithTimeLimits', () => {
  it('aborts the signal with SoftTimeLimitExceeded, then rejects with TimeLimitExceeded', async () => {
    const clock = manualClock();
    const abort = new AbortController();
    const run = runWithTimeLimits(() => new Promise<never>(() => undefined), { softSec: 1, hardSec: 2 }, abort, clock);
    clock.advance(1000);
    expect(abort.signal.reason).toBeInstanceOf(SoftTimeLimitExceeded);
    clock.advance(1000);
    await expect(run).rejects.toBeInstanceOf(TimeLimitExceeded);
  });

  it('returns the value when the task finishes in time', async () => {
    const clock = manualClock();
    await expect(runWithTimeLimits(() => 42, { softSec: 1, hardSec: 2 }, new AbortController(), clock)).resolves.toBe(42);
  });
});

describe('Worker limits', () => {
  const open: Worker[] = [];
  afterEach(async () => { await Promise.all(open.splice(0).map((w) => w.close())); });

  async function start(app: Celery, conf: SettingsInput, clock: Clock) {
    const transport = new MemoryTransport();
    const backend = new MemoryResultBackend();
    const worker = new Worker({ app, transport, backend, settings: loadConfig({}, { worker_concurrency: 4, ...conf }), hostname: 'ts@t',
      logger: pino({ level: 'silent' }), clock, followUps: { hostname: 'gen1@t', replyTo: 'oid' } });
    await worker.start();
    open.push(worker);
    return { worker, transport, backend };
  }

  it('runs a rate-limited task type no faster than its rate, keeping waiting messages unacked', async () => {
    const clock = manualClock(1_000_000);
    const app = new Celery('t');
    let runs = 0;
    app.task('t.mail', () => { runs++; }, { rateLimit: '60/m' });
    const { worker, transport } = await start(app, {}, clock);
    for (let i = 0; i < 3; i++) await transport.publish(wireTask('t.mail'), { exchange: '', routingKey: 'celery' });
    await until(() => runs === 1 && worker.reservedRequests().length === 2);
    expect(transport.unsettledCount()).toBe(2);
    clock.advance(1000);
    await until(() => runs === 2);
    worker.limits.setRateLimit('t.mail', null);
    // Clearing the limit releases the waiting message at once, without waiting for the old bucket's timer.
    await until(() => runs === 3);
  });

  it('stores TimeLimitExceeded with Python names when the hard limit passes, from the message header', async () => {
    const clock = manualClock();
    const app = new Celery('t');
    let seen: AbortSignal | undefined;
    app.task('t.stuck', (task: { signal: AbortSignal }) => { seen = task.signal; return new Promise(() => undefined); }, { bind: true, softTimeLimit: 1 });
    const msg = wireTask('t.stuck', [], { headers: { timelimit: [3, null] } });
    const h = await start(app, {}, clock);
    await h.transport.publish(msg, { exchange: '', routingKey: 'celery' });
    await until(() => seen !== undefined);
    clock.advance(1000);
    expect(seen?.reason).toBeInstanceOf(SoftTimeLimitExceeded);
    clock.advance(2000);
    const meta = await h.backend.waitForResult(String(msg.headers.id), 2000);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toMatchObject({ excType: 'TimeLimitExceeded', excModule: 'billiard.exceptions', excMessage: [3] });
  });

  it('refuses a bad rateLimit or time limit when the task is registered', () => {
    const app = new Celery('t');
    expect(() => app.task('t.x', () => 1, { rateLimit: 'lots' })).toThrow('bad rate limit "lots"');
    expect(() => app.task('t.y', () => 1, { timeLimit: -1 })).toThrow('timeLimit must be a positive number of seconds');
  });
});
