// Runs Celery's t/integration once with pytest in one mode: `stock` (the suite starts its own
// in-process Python worker, as upstream runs it) or `celeriac` (conformance/python/celeriac_conformance.py
// swaps that worker for one celeriac worker process running conformance/tasks/).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CeleriacError } from '../src/errors/celeriac-error';

/** Which worker serves the suite. */
export type ConformanceMode = 'stock' | 'celeriac';

/** One test's result, keyed by pytest node id. */
export interface TestOutcome {
  outcome: 'passed' | 'failed' | 'skipped';
  /** First line of the failure or skip reason. */
  message: string;
}

/** What one pytest run needs. */
export interface PytestModeOptions {
  mode: ConformanceMode;
  repoRoot: string;
  suiteRoot: string;
  /** The venv's python, with Celery and conformance/requirements.txt installed. */
  python: string;
  /** Test files under t/integration (`test_tasks.py`). */
  modules: string[];
  /** pytest -k expression, if any. */
  k?: string;
  /** Broker / result URLs and the Redis the suite's tasks write to (db 0). */
  redis: { host: string; port: number; broker: string; backend: string };
  /** Seconds per test. */
  timeoutSec: number;
  /** Kill the whole run after this long. */
  runTimeoutMs: number;
  /** Folder for this run's outcome file and logs. */
  outDir: string;
}

/** Outcomes of one run, with where its logs are. */
export interface PytestModeRun {
  outcomes: Record<string, TestOutcome>;
  exitCode: number | null;
  durationSec: number;
  pytestLog: string;
  workerLog: string | null;
}

/** The celeriac worker the plugin starts: one process, concurrency 1 as the suite's own worker. */
function celeriacArgv(o: PytestModeOptions): string[] {
  return [process.execPath, join(o.repoRoot, 'bin', 'celeriac.js'), 'worker',
    '-A', join(o.repoRoot, 'conformance', 'tasks', 'integration-tasks-app.ts'),
    '-c', '1', '-Q', 'celery', '-l', 'info', '-b', o.redis.broker, '--result-backend', o.redis.backend];
}

/** Runs pytest for one mode and returns each test's outcome. */
export async function runPytestMode(o: PytestModeOptions): Promise<PytestModeRun> {
  const outcomesFile = join(o.outDir, `outcomes-${o.mode}.json`);
  const pytestLog = join(o.outDir, `pytest-${o.mode}.log`);
  const workerLog = o.mode === 'celeriac' ? join(o.outDir, 'celeriac-worker.log') : null;
  rmSync(outcomesFile, { force: true });
  if (workerLog) rmSync(workerLog, { force: true });
  const args = ['-m', 'pytest', '-c', join(o.repoRoot, 'conformance', 'pytest.ini'), '--rootdir', o.suiteRoot,
    // Our plugin first (it must rebind the worker fixture before any conftest imports it), then
    // Celery's own pytest plugin, which the suite's conftest relies on for celery_session_app & co.
    '-p', 'celeriac_conformance', '-p', 'celery.contrib.pytest', '-p', 'no:cacheprovider', '-p', 'no:rerunfailures',
    '-o', 'console_output_style=classic', '-rfEs', ...(o.k ? ['-k', o.k] : []),
    ...o.modules.map((m) => join('t', 'integration', m))];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONPATH: [o.suiteRoot, join(o.repoRoot, 'conformance', 'python')].join(':'),
    PYTHONUNBUFFERED: '1',
    TEST_BROKER: o.redis.broker, TEST_BACKEND: o.redis.backend,
    REDIS_HOST: o.redis.host, REDIS_PORT: String(o.redis.port),
    CONFORMANCE_WORKER: o.mode, CONFORMANCE_OUTCOMES: outcomesFile, CONFORMANCE_TIMEOUT: String(o.timeoutSec),
    CONFORMANCE_CELERIAC_ARGV: JSON.stringify(celeriacArgv(o)), CONFORMANCE_WORKER_LOG: workerLog ?? '/dev/null',
  };
  const started = Date.now();
  const log = openSync(pytestLog, 'w');
  // Its own process group: a run that overstays is killed with everything it started (prefork
  // children, the celeriac worker).
  const child = spawn(o.python, args, { cwd: o.suiteRoot, env, stdio: ['ignore', log, log], detached: true });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => killGroup(child.pid), o.runTimeoutMs);
    const onSignal = (): void => killGroup(child.pid);
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    child.once('error', (err) => { clearTimeout(timer); reject(new CeleriacError('CELERIAC_CONFORMANCE_SPAWN', `cannot start pytest: ${err.message}`, { cause: err })); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      killGroup(child.pid); // anything of the run still alive
      resolve(code);
    });
  });
  closeSync(log);
  const durationSec = Math.round((Date.now() - started) / 100) / 10;
  if (!existsSync(outcomesFile)) {
    throw new CeleriacError('CELERIAC_CONFORMANCE_NO_OUTCOMES', `pytest (${o.mode}) exited ${exitCode} without outcomes; see ${pytestLog}:\n${readFileSync(pytestLog, 'utf8').slice(-3000)}`);
  }
  const outcomes = JSON.parse(readFileSync(outcomesFile, 'utf8')) as Record<string, TestOutcome>;
  return { outcomes, exitCode, durationSec, pytestLog, workerLog };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}
