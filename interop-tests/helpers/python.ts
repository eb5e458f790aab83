import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CeleriacError } from '../../src/errors/celeriac-error';
import { trackChild, waitForExit } from './child-registry';

/** Repository root: the nearest folder above this file with a package.json (works from dist/ too). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..');
  }
}
/** Folder holding tapp.py and the core_*.py producer scripts; put on PYTHONPATH. */
export const PYTHON_DIR = join(REPO_ROOT, 'interop-tests', 'python');

/** The Python venv with the pinned Celery: `$CELERIAC_VENV`, else `<repo>/.venv`. */
export function venvPath(): string {
  return process.env.CELERIAC_VENV ?? join(REPO_ROOT, '.venv');
}

/** Path of an executable inside the venv (`python`, `celery`). */
export function venvBin(name: string): string {
  return join(venvPath(), 'bin', name);
}

/** How to run one Python script. */
export interface RunPythonOptions {
  /** Command-line arguments after the script. */
  args?: string[];
  /** Extra environment (merged over process.env, PYTHONPATH and PYTHONUNBUFFERED are set). */
  env?: Record<string, string>;
  /** Kill the process (SIGKILL) and fail after this long. Default 60 s. */
  timeoutMs?: number;
  /** Written to stdin, then stdin is closed. */
  input?: string;
}

/** What a finished Python script printed. */
export interface PythonRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs `<venv>/bin/python <script>` (a path, absolute or relative to interop-tests/python) and
 * resolves when it exits with status 0; rejects with its stderr otherwise or on timeout.
 */
export async function runPython(script: string, opts: RunPythonOptions = {}): Promise<PythonRun> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = trackChild(spawn(venvBin('python'), [resolve(PYTHON_DIR, script), ...(opts.args ?? [])], {
    cwd: PYTHON_DIR,
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONUNBUFFERED: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdin?.end(opts.input ?? '');
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(
    new CeleriacError('CELERIAC_TEST_PYTHON_SPAWN', `cannot start ${venvBin('python')}: ${err.message}`, { cause: err }))));
  try {
    const { code } = await Promise.race([waitForExit(child), spawnError]);
    if (timedOut) throw new CeleriacError('CELERIAC_TEST_PYTHON_TIMEOUT', `${script} timed out after ${timeoutMs} ms\n${stderr}`);
    if (code !== 0) throw new CeleriacError('CELERIAC_TEST_PYTHON_FAILED', `${script} exited ${code}\n${stderr}\n${stdout}`);
    return { stdout, stderr, code };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a script that prints one JSON document as its last stdout line, and returns it parsed. */
export async function runPythonJson<T>(script: string, opts: RunPythonOptions = {}): Promise<T> {
  const run = await runPython(script, opts);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch (err) {
    throw new CeleriacError('CELERIAC_TEST_PYTHON_BAD_JSON', `${script} did not print JSON last:\n${run.stdout}\n${run.stderr}`, { cause: err });
  }
}

/** Broker/backend environment for Python and celeriac processes talking to one private Redis. */
export function celeryEnv(brokerUrl: string, backendUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, ...extra };
}
