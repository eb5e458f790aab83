import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CeleriacError } from '../../src/errors/celeriac-error';
import { trackChild, waitForExit } from './child-registry';
import { REPO_ROOT } from './python';
import { ManagedProcess } from './managed-process';

/** The CLI launcher, which runs the compiled dist/ (build with `npm run build` first). */
export const CELERIAC_BIN = join(REPO_ROOT, 'bin', 'celeriac.js');
/** The interop app module with the JS side of every tapp.* task. */
export const TAPP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'tapp.js');

/** How to start `celeriac worker`. */
export interface CeleriacWorkerOptions {
  brokerUrl: string;
  backendUrl: string;
  /** App module (`-A`). Default interop-tests/apps/tapp.js. */
  app?: string;
  /** `-Q`. Default `celery`. */
  queues?: string[];
  /** `-c`. Default 4. */
  concurrency?: number;
  /** `-n`. Default `ts1@%h`. */
  nodeName?: string;
  /** `--prefetch-multiplier`. */
  prefetchMultiplier?: number;
  /** `--acks-late`. */
  acksLate?: boolean;
  /** Extra environment (CELERY_BROKER_TRANSPORT_OPTIONS, TAPP_* switches). */
  env?: Record<string, string>;
  /** How long to wait for "worker ready". Default 30 s. */
  readyTimeoutMs?: number;
}

/** One parsed pino line. */
export type LogRecord = Record<string, unknown> & { msg?: string; level?: number };

/** A running celeriac worker process with its logs. */
export class CeleriacWorker {
  constructor(readonly proc: ManagedProcess) {}

  /** OS process id. */
  get pid(): number {
    return this.proc.pid;
  }

  /** Every stdout line that parsed as a JSON log record. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of this.proc.lines) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a line that merely starts with "{" is not a log record; skip it
      }
    }
    return out;
  }

  /** Waits for a log record matching the predicate. */
  async waitForRecord(match: (rec: LogRecord) => boolean, timeoutMs: number, what: string): Promise<LogRecord> {
    const line = await this.proc.waitForLine((l) => {
      if (!l.startsWith('{')) return false;
      try {
        return match(JSON.parse(l) as LogRecord);
      } catch {
        return false;
      }
    }, timeoutMs, what);
    return JSON.parse(line) as LogRecord;
  }

  /** Warm shutdown (SIGTERM); resolves with the exit status. */
  stop(graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.proc.stop('SIGTERM', graceMs);
  }

  /** `kill -9`. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.proc.kill();
  }
}

/** Spawns `node bin/celeriac.js worker ...` and resolves once it logs `worker ready`. */
export async function startCeleriacWorker(opts: CeleriacWorkerOptions): Promise<CeleriacWorker> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new CeleriacError('CELERIAC_TEST_NOT_BUILT', 'dist/ is missing: run `npm run build` before the interop tests');
  }
  const nodeName = opts.nodeName ?? 'ts1@%h';
  const args = [CELERIAC_BIN, 'worker', '-A', opts.app ?? TAPP_JS, '-Q', (opts.queues ?? ['celery']).join(','),
    '-c', String(opts.concurrency ?? 4), '-n', nodeName, '--loglevel', 'info'];
  if (opts.acksLate) args.push('--acks-late');
  if (opts.prefetchMultiplier !== undefined) args.push('--prefetch-multiplier', String(opts.prefetchMultiplier));
  const proc = new ManagedProcess({
    command: process.execPath,
    args,
    cwd: REPO_ROOT,
    env: { ...process.env, CELERY_BROKER_URL: opts.brokerUrl, CELERY_RESULT_BACKEND: opts.backendUrl, ...opts.env },
    label: `celeriac worker ${nodeName}`,
  });
  const worker = new CeleriacWorker(proc);
  try {
    await worker.waitForRecord((r) => r.msg === 'worker ready', opts.readyTimeoutMs ?? 30_000, '"worker ready" log record');
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return worker;
}

/** What a `celeriac` command printed before it exited by itself. */
export interface CeleriacRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `celeriac <args>` (process.env with `env` over it) to its exit; no readiness involved. */
export async function runCeleriac(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<CeleriacRun> {
  const child = trackChild(spawn(process.execPath, [CELERIAC_BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const { code } = await waitForExit(child);
  return { code, stdout, stderr };
}
