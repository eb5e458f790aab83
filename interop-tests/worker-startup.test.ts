// Startup against real redis-servers the test starts: a broker that is down at start is retried
// (Celery's broker_connection_retry_on_startup) until Redis comes up on that port; a refused
// password fails at once and says so; a failed start says which setting to fix and nothing about
// running tasks; unknown CELERY_* variables are named with the closest known one.
import { freePort } from '../test/helpers/free-port';
import { startRedisProcess, type RedisProcess } from '../test/helpers/redis-sentinel';
import { CeleriacWorker, CELERIAC_BIN, runCeleriac, TAPP_JS, type CeleriacRun } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { ManagedProcess } from './helpers/managed-process';
import { REPO_ROOT, runPythonJson, celeryEnv } from './helpers/python';

// A raw '@' and ':' inside the password, as the issue found safeUrl leaking (kombu and WHATWG URL take the last '@').
const PASSWORD = 'S3cr@tPw0rd:x';
let secured: RedisProcess;
const started: RedisProcess[] = [];

beforeAll(async () => {
  secured = await startRedisProcess({ args: ['--requirepass', PASSWORD] });
  started.push(secured);
});

afterAll(async () => {
  await killAllChildren();
  await Promise.all(started.map((r) => r.stop()));
});

/** `celeriac worker` with its logs kept; does not wait for readiness. */
function spawnWorker(env: Record<string, string>, args: string[] = []): CeleriacWorker {
  return new CeleriacWorker(new ManagedProcess({
    command: process.execPath,
    args: [CELERIAC_BIN, 'worker', '-A', TAPP_JS, '-Q', 'startq', '-c', '2', '-n', 'startup@%h', '--loglevel', 'info', ...args],
    cwd: REPO_ROOT, env: { ...process.env, ...env }, label: 'celeriac worker startup@',
  }));
}

it('keeps retrying a broker that is down at start, one line per attempt, and becomes ready when Redis starts on that port', async () => {
  const port = await freePort();
  const url = (db: number): string => `redis://127.0.0.1:${port}/${db}`;
  const worker = spawnWorker({ ...celeryEnv(url(1), url(2)), CELERY_BROKER_ULR: 'typo', CELERY_BROKER_CONNECTION_MAX_RETRIES: '50' });
  const retrying = (n: number) => (r: Record<string, unknown>): boolean => r.msg === 'cannot connect; retrying' && r.attempt === n;
  const first = await worker.waitForRecord(retrying(1), 30_000, 'the first retry line');
  expect(first).toMatchObject({ role: 'broker', url: url(1), attempt: 1, maxAttempts: 51, nextDelaySec: 2 });
  expect(await worker.waitForRecord(retrying(2), 30_000, 'the second retry line')).toMatchObject({ attempt: 2, nextDelaySec: 4 });
  expect(worker.proc.exited).toBe(false);
  const typo = worker.records().find((r) => r.variable === 'CELERY_BROKER_ULR');
  expect(typo).toMatchObject({ closest: 'CELERY_BROKER_URL' });
  expect(worker.records().filter((r) => r.variable === 'CELERY_BROKER_ULR')).toHaveLength(1);

  const redis = await startRedisProcess({ port });
  started.push(redis);
  await worker.waitForRecord((r) => r.msg === 'worker ready', 60_000, '"worker ready" once Redis is up');
  const [id] = await runPythonJson<string[]>('core_send.py', { env: celeryEnv(url(1), url(2)), input: JSON.stringify([{ name: 'tapp.add', args: [2, 3], queue: 'startq' }]) });
  const got = await runPythonJson<Record<string, unknown>>('core_wait.py', { env: celeryEnv(url(1), url(2)), input: JSON.stringify([id]) }).catch(() => null);
  expect(got === null ? null : JSON.stringify(got)).toContain('5');
  expect((await worker.stop()).code).toBe(0);
}, 120_000);

it('a SIGTERM while retrying exits 0 without "warm shutdown: waiting for running tasks"', async () => {
  const port = await freePort();
  const worker = spawnWorker(celeryEnv(`redis://127.0.0.1:${port}/1`, `redis://127.0.0.1:${port}/2`));
  await worker.waitForRecord((r) => r.msg === 'cannot connect; retrying', 30_000, 'a retry line');
  expect((await worker.stop()).code).toBe(0);
  expect(worker.proc.lines.join('\n')).not.toContain('waiting for running tasks');
});

it('with retries off, a down broker fails at once naming CELERY_BROKER_URL, and a down result store names CELERY_RESULT_BACKEND', async () => {
  const port = await freePort();
  const brokerDown = await runOnce({ ...celeryEnv(`redis://127.0.0.1:${port}/1`, `redis://127.0.0.1:${port}/2`), CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP: 'false' });
  expect(brokerDown.code).toBe(1);
  expect(brokerDown.stderr).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+\/1: connection refused\..*set CELERY_BROKER_URL/);
  const backendDown = await runOnce({ ...celeryEnv(`redis://:${PASSWORD}@127.0.0.1:${secured.port}/1`, `redis://127.0.0.1:${port}/2`),
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP: 'false' });
  expect(backendDown.code).toBe(1);
  expect(backendDown.stderr).toMatch(/result backend at redis:\/\/127\.0\.0\.1:\d+\/2.*set CELERY_RESULT_BACKEND/);
  expect(backendDown.stderr).not.toContain('CELERY_BROKER_URL');
  for (const run of [brokerDown, backendDown]) expect(run.stdout).not.toContain('waiting for running tasks');
}, 60_000);

it('says the password was refused (broker and result store), without retrying, an install hint or the secret', async () => {
  const good = `redis://:${PASSWORD}@127.0.0.1:${secured.port}`;
  const wrong = await runOnce(celeryEnv(`redis://:Wr0ng@pw@127.0.0.1:${secured.port}/1`, `${good}/2`));
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/^celeriac: cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/1: the server refused the password.*CELERY_BROKER_URL/);
  const none = await runOnce(celeryEnv(`redis://127.0.0.1:${secured.port}/1`, `${good}/2`));
  expect(none.stderr).toMatch(/requires a password and the URL gives none/);
  const backend = await runOnce(celeryEnv(`${good}/1`, `redis://:Wr0ng@127.0.0.1:${secured.port}/2`));
  expect(backend.code).toBe(1);
  expect(backend.stderr).toMatch(/result backend at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/2: the server refused the password.*CELERY_RESULT_BACKEND/);
  for (const run of [wrong, none, backend]) {
    const all = run.stdout + run.stderr;
    expect(all).not.toMatch(/install|apt-get|NOAUTH Authentication required\.\./);
    expect(all).not.toContain('cannot connect; retrying');
    for (const secret of ['Wr0ng', 'S3cr', 'tPw0rd']) expect(all).not.toContain(secret);
  }
}, 60_000);

/** Runs `celeriac <args>` to its exit and returns what it printed (no worker readiness involved). */
function runCli(args: string[], env: Record<string, string>): Promise<CeleriacRun> {
  return runCeleriac(args, env);
}

/** A worker run that is expected to end by itself (a failed start). */
function runOnce(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['worker', '-A', TAPP_JS, '-Q', 'startq', '-c', '2', '-n', 'startup@%h', '--loglevel', 'info'], env);
}

it('keeps a password with a raw "@" and ":" out of the logs, inspect replies, /metrics and /readyz', async () => {
  const base = `redis://:${PASSWORD}@127.0.0.1:${secured.port}`;
  const metricsPort = await freePort();
  const env = { ...celeryEnv(`${base}/1`, `${base}/2`), CELERY_WORKER_METRICS_PORT: String(metricsPort) };
  const worker = spawnWorker(env);
  await worker.waitForRecord((r) => r.msg === 'worker ready', 30_000, '"worker ready"');
  const inspect = async (...words: string[]): Promise<string> => {
    const run = await runCli(['inspect', ...words, '--json'], env);
    return run.stdout + run.stderr;
  };
  const conf = await inspect('conf');
  expect(conf).toMatch(/broker_url/);
  const stats = await inspect('stats');
  expect(stats).toMatch(/startup@/);
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/celeriac_queue_length/);
  const ready = await (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).text();
  expect((await worker.stop()).code).toBe(0);
  const everything = [worker.proc.lines.join('\n'), conf, stats, metrics, ready].join('\n');
  for (const piece of ['S3cr', 'tPw0rd', '@tPw', encodeURIComponent(PASSWORD)]) expect(everything).not.toContain(piece);
  expect(worker.proc.lines.join('\n')).toContain(`redis://:***@127.0.0.1:${secured.port}/1`);
});
