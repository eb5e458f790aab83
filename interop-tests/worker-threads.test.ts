// `celeriac worker -P threads`: real Python sends CPU-bound tasks; a hard time limit stops a busy loop
// (Python's .get() raises TimeLimitExceeded) and the worker answers Python's ping while a CPU task runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { CELERIAC_BIN, CeleriacWorker } from './helpers/celeriac-worker';
import { ManagedProcess } from './helpers/managed-process';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';

const CPU_APP = join(REPO_ROOT, 'interop-tests', 'apps', 'cpu-app.js');

// The Python side: every case reports what Python saw, as one JSON line.
const SCRIPT = String.raw`
import json, os, time
from celery import Celery
from celery.exceptions import TimeLimitExceeded

app = Celery('cpu', broker=os.environ['CELERY_BROKER_URL'], backend=os.environ['CELERY_RESULT_BACKEND'])
out = {}

def raised(fn):
    started = time.monotonic()
    try:
        return {'raised': False, 'value': fn()}
    except Exception as e:
        return {'raised': True, 'cls': type(e).__name__, 'module': type(e).__module__, 'args': [repr(a) for a in e.args],
                'is_time_limit': isinstance(e, TimeLimitExceeded), 'elapsed': time.monotonic() - started}

out['spin'] = raised(lambda: app.send_task('cpu.spin', time_limit=2).get(timeout=30))
out['fib'] = raised(lambda: app.send_task('cpu.fib', args=[25]).get(timeout=30))
out['fail'] = raised(lambda: app.send_task('cpu.fail', args=['crc32 differs']).get(timeout=30))
out['where'] = raised(lambda: app.send_task('cpu.where').get(timeout=30))

busy = app.send_task('cpu.busy_for', args=[6])
deadline = time.monotonic() + 20
running = False
while time.monotonic() < deadline and not running:
    active = app.control.inspect(timeout=1.0).active() or {}
    running = any(t['id'] == busy.id for tasks in active.values() for t in tasks)
started = time.monotonic()
replies = app.control.ping(timeout=1.0)
out['ping'] = {'task_was_running': running, 'replies': replies, 'elapsed': time.monotonic() - started,
               'busy_still_running': not busy.ready()}
out['busy'] = raised(lambda: busy.get(timeout=30))
print(json.dumps(out))
`;

interface Raised {
  raised: boolean; value?: unknown; cls?: string; module?: string; args?: string[]; is_time_limit?: boolean; elapsed?: number;
}
interface Report {
  spin: Raised; fib: Raised; fail: Raised; where: Raised; busy: Raised;
  ping: { task_was_running: boolean; replies: Array<Record<string, { ok: string }>>; elapsed: number; busy_still_running: boolean };
}

let redis: RedisServer;
let worker: CeleriacWorker;
let scratch: string;
let report: Report;

beforeAll(async () => {
  redis = await startRedisServer();
  scratch = mkdtempSync(join(tmpdir(), 'celeriac-threads-'));
  const script = join(scratch, 'threads_calls.py');
  writeFileSync(script, SCRIPT);
  const env = celeryEnv(redis.url(1), redis.url(2));
  const proc = new ManagedProcess({
    command: process.execPath,
    args: [CELERIAC_BIN, 'worker', '-A', CPU_APP, '-P', 'threads', '-c', '2', '-n', 'threads1@%h', '--loglevel', 'info'],
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    label: 'celeriac worker -P threads',
  });
  worker = new CeleriacWorker(proc);
  await worker.waitForRecord((r) => r.msg === 'worker ready', 30_000, '"worker ready" log record');
  report = await runPythonJson<Report>(script, { env, timeoutMs: 120_000 });
  process.stdout.write(`threads interop: spin raised after ${report.spin.elapsed?.toFixed(2)} s; ping answered in ${report.ping.elapsed.toFixed(2)} s\n`);
});

afterAll(async () => {
  await worker?.stop();
  await killAllChildren();
  await redis?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('celeriac worker -P threads, driven by Python', () => {
  it('a busy-looping task with time_limit=2 makes .get() raise celery.exceptions.TimeLimitExceeded within ~4 s', () => {
    // celery.exceptions re-exports billiard's class, so Python reports billiard.exceptions as its module.
    expect(report.spin).toMatchObject({ raised: true, cls: 'TimeLimitExceeded', module: 'billiard.exceptions', is_time_limit: true });
    expect(report.spin.args).toEqual(['2']);
    expect(report.spin.elapsed).toBeGreaterThanOrEqual(2);
    expect(report.spin.elapsed).toBeLessThan(4);
    const replaced = worker.records().find((r) => typeof r.msg === 'string' && r.msg.startsWith('pool thread replaced'));
    expect(replaced?.msg).toBe('pool thread replaced: hard time limit');
  });

  it('the worker answers ping while a CPU task runs on a thread', () => {
    expect(report.ping.task_was_running).toBe(true);
    expect(report.ping.busy_still_running).toBe(true);
    expect(report.ping.replies).toHaveLength(1);
    const [node, reply] = Object.entries(report.ping.replies[0] ?? {})[0] ?? [];
    expect(node).toMatch(/^threads1@/);
    expect(reply).toEqual({ ok: 'pong' });
    expect(report.busy).toMatchObject({ raised: false, value: { spins: true } });
    expect((report.busy.value as { thread: number }).thread).toBeGreaterThan(0);
  });

  it('CPU tasks return values, and their errors reach Python under their class name', () => {
    expect(report.fib).toEqual({ raised: false, value: 75025 });
    expect(report.fail).toMatchObject({ raised: true, cls: 'ChecksumMismatch', args: ["'crc32 differs'"] });
  });

  it("a task with pool: 'event' still runs on the event loop under -P threads", () => {
    expect(report.where).toEqual({ raised: false, value: 0 });
  });
});
