// celeriac call / result / purge against a real redis-server and real Python Celery: a Python worker
// runs what `celeriac call` sends, `celeriac result` reads what it stored, and `celery purge` agrees
// with `celeriac purge` about what is left.
import { spawn } from 'node:child_process';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { CELERIAC_BIN } from './helpers/celeriac-worker';
import { killAllChildren, trackChild, waitForExit } from './helpers/child-registry';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { celeryEnv, PYTHON_DIR, REPO_ROOT, runPython, runPythonJson, venvBin } from './helpers/python';

let redis: RedisServer;
let pyWorker: PythonWorker;

beforeAll(async () => {
  redis = await startRedisServer();
  pyWorker = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['celery', 'cliq'], nodeName: 'pycli@%h' });
});

afterAll(async () => {
  await pyWorker?.stop('SIGTERM', 20_000);
  await killAllChildren();
  await redis?.stop();
});

/** Runs `celeriac ...` with stdin not a terminal; resolves with its exit status and output. */
async function celeriac(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = trackChild(spawn(process.execPath, [CELERIAC_BIN, ...args], {
    cwd: REPO_ROOT, env: { ...process.env, ...celeryEnv(redis.url(1), redis.url(2)) }, stdio: ['pipe', 'pipe', 'pipe'],
  }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  child.stdin?.end();
  const { code } = await waitForExit(child);
  return { code, out, err };
}

async function callId(args: string[]): Promise<string> {
  const r = await celeriac(['call', ...args]);
  expect(r).toMatchObject({ code: 0, err: '' });
  expect(r.out).toMatch(/^[0-9a-f-]{36}\n$/);
  return r.out.trim();
}

describe('celeriac call / result with a Python worker', () => {
  it('call --args/--kwargs/--queue are run by Python; result prints the values as JSON and exits 0', async () => {
    const add = await callId(['tapp.add', '--args', '[2, 3]', '--queue', 'cliq']);
    const greet = await callId(['tapp.greet', '--kwargs', '{"name": "Zoë", "greeting": "Hi"}']);
    expect(await celeriac(['result', add, '--timeout', '30'])).toEqual({ code: 0, out: '5\n', err: '' });
    expect(await celeriac(['result', greet, '--timeout', '30'])).toEqual({ code: 0, out: '"Hi, Zoë"\n', err: '' });
  });

  it('--countdown holds the task: the Python worker runs it no earlier than 2 s after the call', async () => {
    const sentAt = Date.now();
    const id = await callId(['tapp.add', '--args', '[20, 22]', '--countdown', '2']);
    expect(await celeriac(['result', id, '--timeout', '30'])).toMatchObject({ code: 0, out: '42\n' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2000);
    const [seen] = (await runPython('result_reader.py', { args: [redis.url(2), `peek:${id}`] })).stdout.trim().split('\n');
    expect(JSON.parse(seen ?? '{}')).toMatchObject({ state: 'SUCCESS', info: 42 });
  });

  it("a Python failure: result exits 1 naming the exception; --traceback prints Python's traceback", async () => {
    const id = await callId(['tapp.add', '--args', '["a", 1]']);
    const failed = await celeriac(['result', id, '--timeout', '30']);
    expect(failed.code).toBe(1);
    expect(failed.out).toBe('');
    expect(failed.err).toBe(`task ${id} failure: TypeError: can only concatenate str (not "int") to str\n`);
    const tb = await celeriac(['result', id, '--traceback']);
    expect(tb.code).toBe(0);
    expect(tb.out).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(tb.out).toMatch(/TypeError: can only concatenate str \(not "int"\) to str\n$/);
  });
});

describe('celeriac purge', () => {
  it('refuses without a terminal unless -f; -f purges every priority; celery purge then finds nothing', async () => {
    const specs = [{ name: 'tapp.add', args: [1, 2], queue: 'pa', count: 3 }, { name: 'tapp.add', args: [3, 4], queue: 'pb', priority: 9, count: 2 },
      { name: 'tapp.add', args: [5, 6], queue: 'pkeep' }];
    const env = celeryEnv(redis.url(1), redis.url(2));
    expect(await runPythonJson<string[]>('core_send.py', { env, input: JSON.stringify(specs) })).toHaveLength(6);
    const refused = await celeriac(['purge', '-Q', 'pa,pb']);
    expect(refused).toEqual({ code: 1, out: '',
      err: 'celeriac: purge would remove all tasks from queues: pa, pb, and there is no terminal to confirm it: pass -f to purge without asking\n' });
    expect(await celeriac(['purge', '-Q', 'pa,pb', '-f'])).toEqual({ code: 0, out: 'Purged 5 messages from 2 known task queues.\n', err: '' });
    // The celery entry point is a Python script: run it with the venv's python, from tapp's folder.
    const python = await runPython(venvBin('celery'), {
      args: ['-A', 'tapp', 'purge', '-f', '-Q', 'pa,pb,pkeep'], env: { ...env, PYTHONPATH: PYTHON_DIR },
    });
    expect(python.stdout).toMatch(/Purged 1 message from 3 known task queues\./);
  });
});
