// Issue 3 proof, CLI leg: the real `celery inspect|control|events` against a fleet of one celeriac and one Python
// worker; celeriac must answer with the shapes the Python worker gives. `celeriac status|inspect` see both.
import { spawn } from 'node:child_process';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren, trackChild, waitForExit } from './helpers/child-registry';
import { CELERIAC_BIN, startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { ManagedProcess } from './helpers/managed-process';
import { PYTHON_DIR, REPO_ROOT, celeryEnv, runPythonJson, venvBin } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

const TS = 'ts1@interop';
const PY = 'py1@interop';

let redis: RedisServer;
let probe: RedisProbe;
let celeriac: CeleriacWorker;
let python: PythonWorker;

interface CliRun { code: number | null; stdout: string; stderr: string }

/** Runs a CLI to completion (killed after 30 s) and returns what it printed, whatever its exit status. */
async function runCli(command: string, args: string[], cwd: string): Promise<CliRun> {
  const child = trackChild(spawn(command, args, {
    cwd, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, ...celeryEnv(redis.url(1), redis.url(2)) },
  }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const { code } = await waitForExit(child);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const celery = (...args: string[]): Promise<CliRun> => runCli(venvBin('celery'), ['-A', 'tapp', ...args], PYTHON_DIR);
const celeriacCli = (...args: string[]): Promise<CliRun> => runCli(process.execPath, [CELERIAC_BIN, ...args], REPO_ROOT);

/** `celery <inspect|control> <args> --json`, both nodes answering; resolves with `{node: reply}`. */
async function celeryJson(...args: string[]): Promise<Record<string, unknown>> {
  const run = await celery(...args, '--json', '-t', '3', '-d', `${TS},${PY}`);
  if (run.code !== 0) throw new Error(`celery ${args.join(' ')} exited ${run.code}: ${run.stderr}${run.stdout}`);
  // `inspect --json` prints {node: reply}; `control --json` prints the raw list [{node: reply}, ...].
  const parsed = JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, unknown> | Array<Record<string, unknown>>;
  return Array.isArray(parsed) ? Object.assign({}, ...parsed) as Record<string, unknown> : parsed;
}

const sortedKeys = (o: unknown): string[] => Object.keys(o as object).sort();
const send = (specs: unknown[]): Promise<string[]> =>
  runPythonJson<string[]>('monitoring_send.py', { args: [JSON.stringify(specs)], env: celeryEnv(redis.url(1), redis.url(2)) });

beforeAll(async () => {
  redis = await startRedisServer();
  probe = new RedisProbe(redis.url(1), redis.url(2));
  [celeriac, python] = await Promise.all([
    startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), nodeName: TS, queues: ['celery', 'tsq'], concurrency: 2,
      env: { CELERY_WORKER_SEND_TASK_EVENTS: 'true', CELERY_WORKER_HEARTBEAT_INTERVAL: '1' } }),
    startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), nodeName: PY, queues: ['celery', 'pyq'], concurrency: 2 }),
  ]);
});

afterAll(async () => {
  await Promise.all([celeriac?.stop(), python?.stop()]);
  await probe?.close();
  await killAllChildren();
  await redis?.stop();
});

it('celery inspect ping|stats|active|reserved|scheduled|registered|active_queues|revoked|conf|query_task: same shapes as Python', async () => {
  // One running and one ETA task on each worker, so active/scheduled/query_task have entries to compare.
  const ids = await send([{ name: 'tapp.fleet', args: [1, 8000], queue: 'tsq' }, { name: 'tapp.fleet', args: [2, 8000], queue: 'pyq' },
    { name: 'tapp.add', args: [1, 2], queue: 'tsq', countdown: 600 }, { name: 'tapp.add', args: [3, 4], queue: 'pyq', countdown: 600 }]);
  await waitUntil(async () => (await probe.results.llen(`tapp:ran:${ids[0]}`)) > 0 && (await probe.results.llen(`tapp:ran:${ids[1]}`)) > 0,
    'both fleet tasks to run');
  const methods = ['ping', 'stats', 'active', 'reserved', 'scheduled', 'registered', 'active_queues', 'revoked', 'conf'];
  const replies: Record<string, Record<string, unknown>> = {};
  // query_task goes in the first batch with `active`: each `celery inspect` is a Python process that
  // can take seconds to start on a loaded machine, and the fleet tasks only run for 8 s.
  const first = await Promise.all([celeryJson('inspect', 'query_task', ...ids), ...methods.slice(0, 4).map((m) => celeryJson('inspect', m))]);
  replies.query_task = first[0] as Record<string, unknown>;
  methods.slice(0, 4).forEach((m, j) => { replies[m] = first[j + 1] as Record<string, unknown>; });
  for (let i = 4; i < methods.length; i += 5) {
    const batch = methods.slice(i, i + 5);
    const got = await Promise.all(batch.map((m) => celeryJson('inspect', m)));
    batch.forEach((m, j) => { replies[m] = got[j] as Record<string, unknown>; });
  }
  const ts = (m: string): any => replies[m]?.[TS]; // eslint-disable-line @typescript-eslint/no-explicit-any
  const py = (m: string): any => replies[m]?.[PY]; // eslint-disable-line @typescript-eslint/no-explicit-any

  expect(ts('ping')).toEqual(py('ping'));
  expect(sortedKeys(ts('stats'))).toEqual(expect.arrayContaining(sortedKeys(py('stats'))));
  expect(sortedKeys(ts('stats').pool)).toEqual(expect.arrayContaining(['max-concurrency', 'processes']));
  expect(sortedKeys(ts('stats').broker)).toEqual(sortedKeys(py('stats').broker));
  expect(ts('active')).toHaveLength(1);
  expect(sortedKeys(ts('active')[0])).toEqual(sortedKeys(py('active')[0]));
  expect(sortedKeys(ts('active')[0].delivery_info)).toEqual(sortedKeys(py('active')[0].delivery_info));
  expect(ts('scheduled')).toHaveLength(1);
  expect(sortedKeys(ts('scheduled')[0])).toEqual(sortedKeys(py('scheduled')[0]));
  expect(sortedKeys(ts('scheduled')[0].request)).toEqual(sortedKeys(py('scheduled')[0].request));
  expect(ts('reserved')).toEqual(py('reserved'));
  expect(ts('registered')).toEqual(expect.arrayContaining(['tapp.add', 'tapp.fleet']));
  expect(py('registered')).toEqual(expect.arrayContaining(['tapp.add', 'tapp.fleet']));
  expect(ts('active_queues').map((q: { name: string }) => q.name).sort()).toEqual(['celery', 'tsq']);
  expect(sortedKeys(ts('active_queues')[0])).toEqual(sortedKeys(py('active_queues')[0]));
  expect(sortedKeys(ts('active_queues')[0].exchange)).toEqual(sortedKeys(py('active_queues')[0].exchange));
  expect(ts('revoked')).toEqual(py('revoked'));
  expect(typeof ts('conf')).toBe('object');
  expect(ts('conf').broker_url).toEqual(py('conf').broker_url);
  expect(ts('query_task')[ids[0] as string][0]).toBe('active');
  expect(py('query_task')[ids[1] as string][0]).toBe('active');
  // Python 5.6.2 leaves an ETA-held request out of query_task (it enters worker_state.requests only when due); so do we.
  expect([py('query_task')[ids[3] as string], ts('query_task')[ids[2] as string]]).toEqual([undefined, undefined]);
  expect(sortedKeys(ts('query_task')[ids[0] as string][1])).toEqual(sortedKeys(py('query_task')[ids[1] as string][1]));
});

it('celery control revoke|rate_limit|time_limit|add_consumer|cancel_consumer answer as Python does', async () => {
  const same = async (...args: string[]): Promise<unknown> => {
    const replies = await celeryJson('control', ...args);
    expect(replies[TS]).toEqual(replies[PY]);
    return replies[TS];
  };
  expect(await same('revoke', 'f00dfeed-0000-4000-8000-000000000001')).toEqual({ ok: "tasks {'f00dfeed-0000-4000-8000-000000000001'} flagged as revoked" });
  expect(await same('rate_limit', 'tapp.add', '100/m')).toEqual({ ok: 'new rate limit set successfully' });
  expect(await same('time_limit', 'tapp.add', '100', '200')).toEqual({ ok: 'time limits set successfully' });
  expect(await same('add_consumer', 'extraq')).toEqual({ ok: 'add consumer extraq' });
  const queues = await celeryJson('inspect', 'active_queues');
  for (const node of [TS, PY]) expect((queues[node] as Array<{ name: string }>).map((q) => q.name)).toContain('extraq');
  expect(await same('cancel_consumer', 'extraq')).toEqual({ ok: 'no longer consuming from extraq' });
  const after = await celeryJson('inspect', 'active_queues');
  for (const node of [TS, PY]) expect((after[node] as Array<{ name: string }>).map((q) => q.name)).not.toContain('extraq');
  const revoked = await celeryJson('inspect', 'revoked');
  expect(revoked[TS]).toEqual(revoked[PY]);
});

it('celery events --dump shows our task events; celeriac status/inspect see both workers without Python', async () => {
  const dump = new ManagedProcess({
    command: venvBin('celery'), args: ['-A', 'tapp', 'events', '--dump'], cwd: PYTHON_DIR, label: 'celery events --dump',
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONUNBUFFERED: '1', ...celeryEnv(redis.url(1), redis.url(2)) },
  });
  try {
    await dump.waitForLine((l) => l.includes('starting capture'), 20_000, 'evdump start');
    await waitUntil(async () => dump.lines.some((l) => l.startsWith(`${TS} [`) && l.includes('heartbeat')), 'a celeriac heartbeat in the dump');
    const [id] = await send([{ name: 'tapp.add', args: [20, 22], queue: 'tsq' }]);
    await dump.waitForLine((l) => l.startsWith(`${TS} [`) && l.includes(`task received: tapp.add(${id}) args=[20, 22] kwargs={}`), 20_000, 'task received');
    await dump.waitForLine((l) => l.startsWith(`${TS} [`) && l.includes(`task succeeded: tapp.add(${id})`) && l.includes('result=42'),
      20_000, 'task succeeded');
  } finally {
    await dump.stop('SIGTERM', 5000);
  }

  const status = await celeriacCli('status', '-t', '2');
  expect(status).toMatchObject({ code: 0, stderr: '' });
  expect(status.stdout.split('\n').filter((l) => l.startsWith('->')).sort()).toEqual([`->  ${PY}: OK`, `->  ${TS}: OK`]);
  expect(status.stdout).toContain('2 nodes online.');
  const ping = await celeriacCli('inspect', 'ping', '-d', PY);
  expect(ping.stdout).toBe(`->  ${PY}: OK\n        pong\n\n1 node online.\n`);
  const stats = await celeriacCli('inspect', 'stats', '--json', '-d', `${TS},${PY}`);
  expect(Object.keys(JSON.parse(stats.stdout) as object).sort()).toEqual([PY, TS]);
  const nobody = await celeriacCli('inspect', 'ping', '-d', 'nobody@interop', '-t', '0.3');
  expect(nobody).toEqual({ code: 69, stdout: '', stderr: 'Error: No nodes replied within time constraint\n' });
});

it('celery control shutdown stops the celeriac worker (exit 0), as it stops a Python one', async () => {
  const run = await celery('control', 'shutdown', '-d', TS, '-t', '1');
  // Python workers do not reply to shutdown either, so the CLI reports no replies.
  expect(run.code).toBe(69);
  await celeriac.waitForRecord((r) => r.msg === 'worker stopped', 20_000, '"worker stopped"');
  await waitUntil(async () => celeriac.proc.exited, 'the celeriac worker to exit');
  expect(await celeriac.stop()).toEqual({ code: 0, signal: null });
  const status = await celeriacCli('status', '--json');
  expect(JSON.parse(status.stdout)).toEqual({ [PY]: { ok: 'pong' } });
});
