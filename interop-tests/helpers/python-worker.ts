import { PYTHON_DIR, venvBin } from './python';
import { ManagedProcess } from './managed-process';

/** How to start a real Python Celery worker on the tapp app. */
export interface PythonWorkerOptions {
  brokerUrl: string;
  backendUrl: string;
  /** Queues to consume (`-Q`). Default `celery`. */
  queues?: string[];
  /** Execution pool (`-P`): solo, prefork, threads. Default `threads`. */
  pool?: 'solo' | 'prefork' | 'threads';
  /** `-c`. Default 2. */
  concurrency?: number;
  /** Node name (`-n`). Default `py1@%h`. */
  nodeName?: string;
  /** `--prefetch-multiplier`. Celery's default (4) when absent. */
  prefetchMultiplier?: number;
  /** Extra environment for tapp.py (TAPP_ACKS_LATE, TAPP_VISIBILITY_TIMEOUT, ...). */
  env?: Record<string, string>;
  /** Module passed to `-A`. Default `tapp`. */
  appModule?: string;
  /** Folder put on PYTHONPATH. Default interop-tests/python. */
  pythonPath?: string;
  /** How long to wait for the "ready" line. Default 60 s. */
  readyTimeoutMs?: number;
  /** `-E`: send task events. Default off. */
  events?: boolean;
}

/** A running `celery worker` process; `stop()` is a warm shutdown, `kill()` a crash. */
export type PythonWorker = ManagedProcess;

/**
 * Starts `celery -A tapp worker` with PYTHONPATH set and the broker/backend URLs in the environment,
 * and resolves once it logs "<node> ready.".
 */
export async function startPythonWorker(opts: PythonWorkerOptions): Promise<PythonWorker> {
  const nodeName = opts.nodeName ?? 'py1@%h';
  const args = ['-A', opts.appModule ?? 'tapp', 'worker', '-P', opts.pool ?? 'threads', '-c', String(opts.concurrency ?? 2),
    '-Q', (opts.queues ?? ['celery']).join(','), '-n', nodeName, '--loglevel', 'INFO', '--without-gossip', '--without-mingle',
    '--without-heartbeat'];
  if (opts.prefetchMultiplier !== undefined) args.push('--prefetch-multiplier', String(opts.prefetchMultiplier));
  if (opts.events) args.push('-E');
  const pythonPath = opts.pythonPath ?? PYTHON_DIR;
  const proc = new ManagedProcess({
    command: venvBin('celery'),
    args,
    cwd: pythonPath,
    env: {
      ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1',
      CELERY_BROKER_URL: opts.brokerUrl, CELERY_RESULT_BACKEND: opts.backendUrl, ...opts.env,
    },
    label: `python worker ${nodeName}`,
  });
  try {
    await proc.waitForLine((line) => / ready\.\s*$/.test(line), opts.readyTimeoutMs ?? 60_000, '"ready." log line');
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}
