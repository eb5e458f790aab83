// ThreadPool on real worker_threads: the threads load test/unit/worker/pool/fixtures/cpu-app.js by path.
import { join } from 'node:path';
import pino from 'pino';
import type { TaskRequest } from '../../../../src/app/task-context';
import { encodeException, formatTraceback } from '../../../../src/protocol/encode-exception';
import { PoolError, WorkerLostError } from '../../../../src/worker/pool/pool-errors';
import { deserializeError } from '../../../../src/worker/pool/serialize-error';
import type { RunEnd } from '../../../../src/worker/pool/thread-messages';
import { ThreadPool, type ThreadJob, type ThreadPoolOptions } from '../../../../src/worker/pool/thread-pool';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../../../src/worker/time-limit-errors';

const APP = join(__dirname, 'fixtures', 'cpu-app.js');
const REQUEST: TaskRequest = {
  id: 'r1', task: 'cpu.until_soft', args: [], kwargs: {}, retries: 0, rootId: null, parentId: null, group: null, groupIndex: null,
  eta: null, expires: null, headers: {}, deliveryInfo: { exchange: '', routingKey: 'celery', priority: null, redelivered: false },
  hostname: 'ts1@test', origin: null, replyTo: null, correlationId: null, properties: {}, stampedHeaders: [], stamps: {},
};
// Each thread transpiles the TypeScript sources it loads (jest runs from sources), so a thread takes ~1 s to start.
jest.setTimeout(30_000);
const pools: ThreadPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function createPool(opts: Partial<ThreadPoolOptions> = {}): ThreadPool {
  const pool = new ThreadPool({ appPath: APP, size: 1, log: pino({ level: 'silent' }), ...opts });
  pools.push(pool);
  return pool;
}

function job(taskName: string, args: unknown[] = [], signal: AbortSignal = new AbortController().signal): ThreadJob {
  return { taskName, args, request: null, signal, onUpdateState: () => Promise.resolve() };
}

function valueOf(end: RunEnd): unknown {
  if (end.kind !== 'value') throw new Error(`expected a value, got ${JSON.stringify(end)}`);
  return end.value;
}

/** Resolves once `cond` holds, checking on each timer tick (the main event loop must be free for this to finish). */
function onTick(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (cond()) { clearInterval(timer); resolve(); } else if (Date.now() - started > timeoutMs) { clearInterval(timer); reject(new Error('condition not met in time')); }
    }, 5);
  });
}

describe('ThreadPool', () => {
  it('runs a task on a worker thread and returns its value', async () => {
    const pool = createPool();
    expect(valueOf(await pool.run(job('cpu.add', [2, 3])))).toBe(5);
    expect(valueOf(await pool.run(job('cpu.thread_id')))).toBeGreaterThan(0);
  });

  it('a hard time limit terminates a busy-looping task while the main event loop keeps serving timers', async () => {
    const pool = createPool();
    const first = valueOf(await pool.run(job('cpu.thread_id')));
    const abort = new AbortController();
    const spinning = pool.run(job('cpu.spin', [], abort.signal));
    let ticks = 0;
    const interval = setInterval(() => { ticks++; }, 2);
    try {
      // Twenty timer callbacks ran on the main loop while the thread spun.
      await onTick(() => ticks >= 20);
    } finally {
      clearInterval(interval);
    }
    abort.abort(new TimeLimitExceeded(2));
    await expect(spinning).rejects.toBeInstanceOf(TimeLimitExceeded);
    // The thread was replaced: the next task runs on a new one.
    const next = valueOf(await pool.run(job('cpu.thread_id')));
    expect(next).not.toBe(first);
  });

  it('a soft limit aborts the task signal inside the thread with SoftTimeLimitExceeded', async () => {
    const pool = createPool();
    const abort = new AbortController();
    const run = pool.run({ ...job('cpu.until_soft', [], abort.signal), request: REQUEST });
    abort.abort(new SoftTimeLimitExceeded(1.5));
    expect(valueOf(await run)).toMatchObject({ name: 'SoftTimeLimitExceeded', limitSec: 1.5, pythonType: 'SoftTimeLimitExceeded' });
  });

  it('a revoke with terminate reaches the thread as the same abort reason', async () => {
    // A long grace: under load the thread may still be booting when the abort is sent; this test is about the message.
    const pool = createPool({ terminateGraceMs: 60_000 });
    const abort = new AbortController();
    const run = pool.run({ ...job('cpu.until_aborted', [], abort.signal), request: REQUEST });
    abort.abort('terminated');
    expect(valueOf(await run)).toBe('terminated');
  });

  it('keeps the Python form, message and stack of errors thrown in the thread', async () => {
    const pool = createPool();
    const encoded = async (taskName: string, args: unknown[] = []): Promise<{ err: Error; info: ReturnType<typeof encodeException> }> => {
      const end = await pool.run(job(taskName, args));
      if (end.kind !== 'error') throw new Error('expected an error');
      const err = deserializeError(end.error);
      return { err, info: encodeException(err) };
    };
    const custom = await encoded('cpu.fail_custom', ['no template']);
    expect(custom.info).toEqual({ excType: 'CertificateTemplateMissing', excMessage: ['no template'], excModule: 'celeriac.tasks' });
    expect(custom.err.stack).toContain('cpu-app.js');
    expect(formatTraceback(custom.err)).toContain('celeriac.tasks.CertificateTemplateMissing: no template');
    expect((await encoded('cpu.fail_range', ['too big'])).info).toEqual({ excType: 'ValueError', excMessage: ['too big'], excModule: 'builtins' });
    expect((await encoded('cpu.fail_python')).info).toEqual({ excType: 'AccountMissing', excMessage: ['no such account', 42], excModule: 'billing.errors' });
    expect((await encoded('cpu.nope')).info).toEqual({ excType: 'NotRegistered', excMessage: ['cpu.nope'], excModule: 'celery.exceptions' });
  });

  it('passes Date and byte arrays across the thread boundary', async () => {
    const pool = createPool();
    const when = new Date('2026-01-02T03:04:05.678Z');
    expect(valueOf(await pool.run(job('cpu.types', [when, Buffer.from('héllo')])))).toEqual({ isDate: true, iso: when.toISOString(), length: 6 });
  });

  it('a thread that exits mid-task fails it with WorkerLostError, and the pool carries on', async () => {
    const pool = createPool();
    const lost = pool.run(job('cpu.exit', [3]));
    await expect(lost).rejects.toBeInstanceOf(WorkerLostError);
    await expect(lost).rejects.toThrow('Worker exited prematurely: exitcode 3.');
    expect(encodeException(await lost.catch((e: unknown) => e))).toEqual({
      excType: 'WorkerLostError', excMessage: ['Worker exited prematurely: exitcode 3.'], excModule: 'billiard.exceptions',
    });
    await expect(pool.run(job('cpu.throw_later'))).rejects.toThrow('Worker exited prematurely: TypeError: escaped the task.');
    expect(valueOf(await pool.run(job('cpu.add', [1, 1])))).toBe(2);
  });

  it('recycles a thread after max tasks per child', async () => {
    const pool = createPool({ maxTasksPerThread: 2 });
    const ids: unknown[] = [];
    for (let i = 0; i < 4; i++) ids.push(valueOf(await pool.run(job('cpu.thread_id'))));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[2]).not.toBe(ids[1]);
  });

  it('recycles a thread whose heap exceeds max memory per child after a task', async () => {
    // Well above a fresh thread's heap (which is larger under jest, where the thread compiles its sources), well below the grown one.
    const pool = createPool({ maxMemoryPerThreadKiB: 160 * 1024 });
    const small1 = valueOf(await pool.run(job('cpu.thread_id')));
    const small2 = valueOf(await pool.run(job('cpu.thread_id')));
    expect(small2).toBe(small1);
    const grown = valueOf(await pool.run(job('cpu.grow', [256])));
    expect(grown).toBe(small1);
    expect(valueOf(await pool.run(job('cpu.thread_id')))).not.toBe(small1);
  });

  it('runs as many tasks at once as its size, grown with resize', async () => {
    const pool = createPool({ size: 1 });
    pool.resize(3);
    const aborts = [new AbortController(), new AbortController(), new AbortController()];
    const runs = aborts.map((a) => pool.run({ ...job('cpu.until_soft', [], a.signal), request: REQUEST }));
    await onTick(() => pool.threadCount === 3);
    for (const a of aborts) a.abort(new SoftTimeLimitExceeded(2));
    const values = (await Promise.all(runs)).map(valueOf) as Array<{ name: string; limitSec: number; pythonType: string; thread: number }>;
    expect(values.map((v) => v.name)).toEqual(['SoftTimeLimitExceeded', 'SoftTimeLimitExceeded', 'SoftTimeLimitExceeded']);
    expect(values[0]).toMatchObject({ limitSec: 2, pythonType: 'SoftTimeLimitExceeded' });
    expect(new Set(values.map((v) => v.thread)).size).toBe(3);
  });

  it('fails tasks with PoolError when a thread cannot load the app module', async () => {
    const pool = createPool({ appPath: join(__dirname, 'fixtures', 'not-an-app.js') });
    await expect(pool.run(job('cpu.add', [1, 2]))).rejects.toMatchObject({ code: 'CELERIAC_POOL_APP_LOAD_FAILED' });
  });

  it('close terminates its threads and refuses new tasks', async () => {
    const pool = createPool();
    const abort = new AbortController();
    const spinning = pool.run(job('cpu.spin', [], abort.signal));
    await onTick(() => pool.threadCount === 1);
    await pool.close();
    await expect(spinning).rejects.toBeInstanceOf(WorkerLostError);
    expect(pool.threadCount).toBe(0);
    await expect(pool.run(job('cpu.add', [1, 2]))).rejects.toBeInstanceOf(PoolError);
  });
});
