import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CELERIAC_BIN } from '../interop-tests/helpers/celeriac-worker';
import { ManagedProcess } from '../interop-tests/helpers/managed-process';
import { REPO_ROOT } from '../interop-tests/helpers/python';
import { startPythonWorker } from '../interop-tests/helpers/python-worker';

/** Folder of the benchmark's Python app and scripts. */
export const BENCH_PYTHON_DIR = join(REPO_ROOT, 'bench', 'python');
const BENCH_APP_JS = join(REPO_ROOT, 'bench', 'apps', 'bench-app.js');

/** A worker under benchmark: its process and how to stop it. */
export interface BenchWorker {
  pid: number;
  readonly exited: boolean;
  tail(): string;
  stop(): Promise<unknown>;
}

/** How a leg runs its worker; each implementation maps it onto its own command line. */
export interface WorkerSpec {
  queues?: string[];
  concurrency?: number;
  prefetchMultiplier?: number;
  /** Node flags for the celeriac process (`--cpu-prof --cpu-prof-dir=...`). */
  nodeFlags?: string[];
}

/** One worker implementation the benchmark runs. */
export interface Impl {
  key: 'celeriac' | 'celeriac-E' | 'python' | 'python-E' | 'celery-node';
  /** Column/row label. */
  name: string;
  /** The command line the spec becomes, for the tables. */
  describe(spec: WorkerSpec): string;
  start(brokerUrl: string, backendUrl: string, spec: WorkerSpec): Promise<BenchWorker>;
}

function wrap(proc: ManagedProcess, graceMs: number): BenchWorker {
  return {
    pid: proc.pid,
    get exited() { return proc.exited; },
    tail: () => proc.tail(15),
    stop: () => proc.stop('SIGTERM', graceMs),
  };
}

function celeriacArgs(spec: WorkerSpec, events: boolean): string[] {
  const args = ['worker', '-A', BENCH_APP_JS, '-Q', (spec.queues ?? ['celery']).join(','), '-c', String(spec.concurrency ?? 100),
    '--acks-late', '-n', events ? 'bench-ts-events@%h' : 'bench-ts@%h', '--loglevel', 'info'];
  if (spec.prefetchMultiplier !== undefined) args.push('--prefetch-multiplier', String(spec.prefetchMultiplier));
  if (events) args.push('-E');
  return args;
}

function celeriac(events: boolean): Impl {
  return {
    key: events ? 'celeriac-E' : 'celeriac',
    name: events ? 'celeriac -E' : 'celeriac',
    describe: (spec) => ['celeriac', ...celeriacArgs(spec, events)].filter((a) => !a.startsWith('bench-ts') && a !== '-n')
      .map((a) => (a === BENCH_APP_JS ? 'bench/apps/bench-app.js' : a)).join(' ').replace(' --loglevel info', ''),
    async start(brokerUrl, backendUrl, spec) {
      if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build`');
      const proc = new ManagedProcess({
        command: process.execPath, args: [...(spec.nodeFlags ?? []), CELERIAC_BIN, ...celeriacArgs(spec, events)], cwd: REPO_ROOT,
        env: { ...process.env, CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl }, label: 'celeriac worker',
      });
      try {
        await proc.waitForLine((l) => l.includes('"worker ready"'), 30_000, '"worker ready" log record');
      } catch (err) {
        await proc.kill();
        throw err;
      }
      return wrap(proc, 30_000);
    },
  };
}

/** celeriac (bin/celeriac.js, compiled dist/), acks-late, results stored, events off. */
export const celeriacImpl = celeriac(false);
/** The same with task events on (`-E`). */
export const celeriacEventsImpl = celeriac(true);

function python(events: boolean): Impl {
  return {
    key: events ? 'python-E' : 'python',
    name: events ? 'Python prefork -E' : 'Python prefork',
    describe: (spec) => `celery -A bench_app worker -P prefork -c ${spec.concurrency ?? 2} -Q ${(spec.queues ?? ['celery']).join(',')}`
      + `${spec.prefetchMultiplier !== undefined ? ` --prefetch-multiplier ${spec.prefetchMultiplier}` : ''}${events ? ' -E' : ''} (task_acks_late=True)`,
    async start(brokerUrl, backendUrl, spec) {
      const proc = await startPythonWorker({
        brokerUrl, backendUrl, pool: 'prefork', concurrency: spec.concurrency ?? 2, nodeName: events ? 'bench-py-events@%h' : 'bench-py@%h',
        appModule: 'bench_app', pythonPath: BENCH_PYTHON_DIR, queues: spec.queues, prefetchMultiplier: spec.prefetchMultiplier,
        env: { BENCH_ACKS_LATE: '1' }, events,
      });
      return wrap(proc, 30_000);
    },
  };
}

/** Python Celery 5.6.2 prefork; bench_app.py sets task_acks_late (BENCH_ACKS_LATE=1). */
export const pythonImpl = python(false);
/** The same with task events on (`-E`): celeriac -E's like-for-like peer. */
export const pythonEventsImpl = python(true);

/** celery-node 0.5.9 with its defaults: one queue, BRPOP per message, no acks, unbounded concurrency. */
export const celeryNodeImpl: Impl = {
  key: 'celery-node',
  name: 'celery-node',
  describe: (spec) => `celery-node 0.5.9 createWorker(queue '${(spec.queues ?? ['celery']).join(',')}') (no acks: --acks-late n/a)`,
  async start(brokerUrl, backendUrl, spec) {
    const queues = spec.queues ?? ['celery'];
    if (queues.length !== 1) throw new Error('celery-node 0.5.9 consumes one queue');
    const proc = new ManagedProcess({
      command: process.execPath, args: [join(REPO_ROOT, 'bench', 'apps', 'celery-node-worker.js')], cwd: REPO_ROOT,
      env: { ...process.env, CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, BENCH_QUEUE: queues[0] as string },
      label: 'celery-node worker',
    });
    try {
      await proc.waitForLine((l) => l.includes('celery-node worker ready'), 30_000, 'ready line');
    } catch (err) {
      await proc.kill();
      throw err;
    }
    return wrap(proc, 10_000);
  },
};
