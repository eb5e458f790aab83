import { join } from 'node:path';
import { startCeleriacWorker } from '../interop-tests/helpers/celeriac-worker';
import { ManagedProcess } from '../interop-tests/helpers/managed-process';
import { REPO_ROOT } from '../interop-tests/helpers/python';
import { startPythonWorker } from '../interop-tests/helpers/python-worker';

/** Folder of the benchmark's Python app and scripts. */
export const BENCH_PYTHON_DIR = join(REPO_ROOT, 'bench', 'python');

/** A worker under benchmark: its process and how to stop it. */
export interface BenchWorker {
  pid: number;
  stop(): Promise<unknown>;
}

/** One worker implementation the benchmark drains the queue with. */
export interface BenchLeg {
  name: string;
  description: string;
  start(brokerUrl: string, backendUrl: string): Promise<BenchWorker>;
}

/** celeriac: acks-late, results stored, -c 100. */
export const celeriacLeg: BenchLeg = {
  name: 'celeriac',
  description: 'celeriac worker --acks-late -c 100',
  async start(brokerUrl, backendUrl) {
    const w = await startCeleriacWorker({
      brokerUrl, backendUrl, app: join(REPO_ROOT, 'bench', 'apps', 'bench-app.js'), concurrency: 100, acksLate: true,
      nodeName: 'bench-ts@%h',
    });
    return { pid: w.pid, stop: () => w.stop() };
  },
};

/** The celeriac leg again with task events on (`-E`): events are published on celeryev, one task.multi batch per turn. */
export const celeriacEventsLeg: BenchLeg = {
  name: 'celeriac-events',
  description: 'celeriac worker --acks-late -c 100 -E',
  async start(brokerUrl, backendUrl) {
    const w = await startCeleriacWorker({
      brokerUrl, backendUrl, app: join(REPO_ROOT, 'bench', 'apps', 'bench-app.js'), concurrency: 100, acksLate: true,
      nodeName: 'bench-ts-events@%h', env: { CELERY_WORKER_SEND_TASK_EVENTS: 'true' },
    });
    return { pid: w.pid, stop: () => w.stop() };
  },
};

/** Python Celery 5.6.2: prefork pool with 2 processes. */
export const pythonLeg: BenchLeg = {
  name: 'python-celery',
  description: 'celery worker -P prefork -c 2',
  async start(brokerUrl, backendUrl) {
    const w = await startPythonWorker({
      brokerUrl, backendUrl, pool: 'prefork', concurrency: 2, nodeName: 'bench-py@%h', appModule: 'bench_app', pythonPath: BENCH_PYTHON_DIR,
    });
    return { pid: w.pid, stop: () => w.stop() };
  },
};

/** celery-node 0.5.9 with its defaults (no acks, unbounded concurrency). */
export const celeryNodeLeg: BenchLeg = {
  name: 'celery-node',
  description: 'celery-node 0.5.9 createWorker',
  async start(brokerUrl, backendUrl) {
    const proc = new ManagedProcess({
      command: process.execPath, args: [join(REPO_ROOT, 'bench', 'apps', 'celery-node-worker.js')], cwd: REPO_ROOT,
      env: { ...process.env, CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl }, label: 'celery-node worker',
    });
    try {
      await proc.waitForLine((l) => l.includes('celery-node worker ready'), 30_000, 'ready line');
    } catch (err) {
      await proc.kill();
      throw err;
    }
    return { pid: proc.pid, stop: () => proc.stop('SIGTERM', 10_000) };
  },
};
