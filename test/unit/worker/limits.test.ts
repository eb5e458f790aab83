import { Celery } from '../../../src/app/celery';
import { RunAbort } from '../../../src/worker/run-abort';
import type { SettingsInput } from '../../../src/config/settings-schema';
import type { Clock } from '../../../src/worker/clock';
import { runWithTimeLimits } from '../../../src/worker/run-with-time-limits';
import { TokenBucket } from '../../../src/worker/token-bucket';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../../src/worker/time-limit-errors';
import { Worker } from '../../../src/worker/worker';
import { closeMemoryWorkers, manualClock, startMemoryWorker } from '../../helpers/memory-worker';
import { wireTask } from '../../helpers/task-wire';

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
    const abort = new RunAbort();
    const run = runWithTimeLimits(() => new Promise<never>(() => undefined), { softSec: 1, hardSec: 2 }, abort, clock);
    clock.advance(1000);
    expect(abort.signal.reason).toBeInstanceOf(SoftTimeLimitExceeded);
    clock.advance(1000);
    await expect(run).rejects.toBeInstanceOf(TimeLimitExceeded);
  });

  it('returns the value when the task finishes in time', async () => {
    const clock = manualClock();
    await expect(runWithTimeLimits(() => 42, { softSec: 1, hardSec: 2 }, new RunAbort(), clock)).resolves.toBe(42);
  });
});

describe('Worker limits', () => {
  afterEach(closeMemoryWorkers);
  const start = (app: Celery, conf: SettingsInput, clock: Clock) => startMemoryWorker(app, { conf: { worker_concurrency: 4, ...conf }, clock });

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
