// `.ts` app modules without a build step: `celeriac worker -A app.ts` (CommonJS-compiled ES syntax,
// a task on the threads pool; an ES-module package with a tsconfig `paths` alias) called by real
// Python Celery, `celeriac beat -A app.ts`, and a syntax error reported as one line naming file:line.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { decodeRedisEnvelope } from '../src/protocol/redis-envelope';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { CELERIAC_BIN, runCeleriac, startCeleriacWorker, type CeleriacRun } from './helpers/celeriac-worker';
import { killAllChildren, trackChild, waitForExit } from './helpers/child-registry';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';

const TS_APP = join(REPO_ROOT, 'interop-tests', 'apps', 'ts-app.ts');

// Sends each case by name and prints what Python's AsyncResult.get() returned.
const CALLS = String.raw`
import json, os, sys
from celery import Celery
app = Celery('caller', broker=os.environ['CELERY_BROKER_URL'], backend=os.environ['CELERY_RESULT_BACKEND'])
out = {}
for key, name, args, kwargs in json.load(sys.stdin):
    try:
        out[key] = {'ok': app.send_task(name, args=args, kwargs=kwargs).get(timeout=30)}
    except Exception as e:
        out[key] = {'error': type(e).__name__ + ': ' + str(e)}
print(json.dumps(out))
`;

let redis: RedisServer;
let scratch: string;
let callsScript: string;

beforeAll(async () => {
  redis = await startRedisServer();
  scratch = mkdtempSync(join(tmpdir(), 'celeriac-ts-app-'));
  callsScript = join(scratch, 'calls.py');
  writeFileSync(callsScript, CALLS);
});

afterAll(async () => {
  await killAllChildren();
  await redis?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function callFromPython(cases: Array<[string, string, unknown[], Record<string, unknown>]>): Promise<Record<string, { ok?: unknown; error?: string }>> {
  return runPythonJson(callsScript, { env: celeryEnv(redis.url(1), redis.url(2)), input: JSON.stringify(cases), timeoutMs: 90_000 });
}

/** Runs the CLI to its exit; returns status and output. */
function runCli(args: string[], cwd = REPO_ROOT): Promise<CeleriacRun> {
  return runCeleriac(args, celeryEnv(redis.url(1), redis.url(2)), cwd);
}

/**
 * A user's project in its own folder: `"type": "module"`, a tsconfig with a `paths` alias, celeriac
 * installed in node_modules (a link to this repository), ES imports with `.js` suffixes.
 */
function writeEsmProject(): string {
  const dir = join(scratch, 'esm-project');
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'celeriac'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'esm-project', type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['src/lib/*'] } } }));
  writeFileSync(join(dir, 'src', 'lib', 'shout.ts'), 'export const shout = (s: string): string => s.toUpperCase();\n');
  writeFileSync(join(dir, 'src', 'app.ts'), [
    "import { Celery } from 'celeriac';",
    "import { shout } from '@lib/shout';",
    "const app = new Celery('esmapp');",
    "app.task('esmapp.shout', (text: string) => ({ text: shout(text), esm: typeof import.meta.url === 'string' }));",
    'export default app;',
    '',
  ].join('\n'));
  return join(dir, 'src', 'app.ts');
}

describe('.ts app modules load directly', () => {
  it('celeriac worker -A ts-app.ts runs tasks Python sends, one of them on the threads pool', async () => {
    const worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app: TS_APP, nodeName: 'tsapp@%h' });
    try {
      const got = await callFromPython([
        ['add', 'tsapp.add', [2, 3], {}],
        ['greet', 'tsapp.greet', [], { name: 'Ada', greeting: 'HELLO' }],
        ['where', 'tsapp.where', [7], {}],
      ]);
      expect(got.add).toEqual({ ok: 5 });
      expect(got.greet).toEqual({ ok: { text: 'HELLO, Ada', shout: false } });
      expect(got.where?.ok).toMatchObject({ n: 7, inThread: true });
    } finally {
      expect((await worker.stop()).code).toBe(0);
    }
  });

  it('an ES-module project with a tsconfig paths alias loads, celeriac imported by package name', async () => {
    const app = writeEsmProject();
    const worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app, nodeName: 'esmapp@%h' });
    try {
      const got = await callFromPython([['shout', 'esmapp.shout', ['quiet'], {}]]);
      expect(got.shout).toEqual({ ok: { text: 'QUIET', esm: true } });
    } finally {
      expect((await worker.stop()).code).toBe(0);
    }
  });

  it('celeriac beat -A ts-app.ts sends its schedule', async () => {
    const client = new Redis(redis.url(1));
    const beat = trackChild(spawn(process.execPath, [CELERIAC_BIN, 'beat', '-A', TS_APP, '--lease-ms', '3000'], {
      cwd: REPO_ROOT, env: { ...process.env, CELERY_BROKER_URL: redis.url(1) }, stdio: 'ignore',
    }));
    try {
      const raw = await client.brpop('tsbeat', 20);
      expect(raw).not.toBeNull();
      const { message } = decodeRedisEnvelope(raw?.[1] ?? '');
      expect(message.headers.task).toBe('tsapp.add');
    } finally {
      client.disconnect();
      beat.kill('SIGTERM');
    }
    expect((await waitForExit(beat)).code).toBe(0);
  });

  it('a syntax error exits 1 with one line naming file:line, in the app or in a module it imports', async () => {
    const bad = join(scratch, 'bad-app.ts');
    writeFileSync(bad, "import { Celery } from 'celeriac';\nconst app = new Celery('bad');\nconst broken = { a: 1,, };\nexport default app;\n");
    const r = await runCli(['worker', '-A', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^celeriac: syntax error in app module: .*bad-app\.ts:3:\d+: /)]);

    writeFileSync(join(scratch, 'broken-helper.ts'), 'export const x: number = (1;\n');
    const importer = join(scratch, 'importer-app.ts');
    writeFileSync(importer, "import { x } from './broken-helper';\nexport default x;\n");
    const nested = await runCli(['worker', '-A', importer]);
    expect(nested.code).toBe(1);
    expect(nested.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^celeriac: syntax error in app module: .*broken-helper\.ts:1:\d+: /)]);
  });
});
