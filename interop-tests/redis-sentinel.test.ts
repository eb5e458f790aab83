// Redis Sentinel, for real: three sentinels, a master and a replica (Debian's redis-sentinel and
// redis-server on private ports). The master is failed over (SENTINEL FAILOVER) while a celeriac
// worker drains acks-late tasks; the worker, the result backend, beat and the Python producer all
// follow the new master, and Python reads every result back through Celery's own sentinel support.
import { join } from 'node:path';
import { startSentinelCluster, type SentinelCluster } from '../test/helpers/redis-sentinel';
import { CELERIAC_BIN, CeleriacWorker, startCeleriacWorker, type LogRecord } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { ManagedProcess } from './helpers/managed-process';
import { REPO_ROOT, runPythonJson } from './helpers/python';

const APP = join(REPO_ROOT, 'interop-tests', 'apps', 'sentinel-app.js');
let cluster: SentinelCluster | undefined;

beforeAll(async () => {
  cluster = await startSentinelCluster();
});

afterAll(async () => {
  await killAllChildren();
  await cluster?.stop();
});

function pythonEnv(c: SentinelCluster): Record<string, string> {
  return { CELERY_BROKER_URL: c.url(1), CELERY_RESULT_BACKEND: c.url(2), SENTINEL_MASTER: c.masterName };
}

it('fails the master over mid-drain of acks-late tasks: worker, results, beat and producer follow; every task SUCCESS', async () => {
  const c = cluster as SentinelCluster;
  const env = {
    CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ master_name: c.masterName, visibility_timeout: 6 }),
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS: JSON.stringify({ master_name: c.masterName }),
  };
  const before = await runPythonJson<string[]>('sentinel_client.py', { args: ['send', '120', '400', 'sentq', '0'], env: pythonEnv(c) });
  // What a failover can lose is the master's unreplicated tail (README "Redis Sentinel"): the test
  // makes sure the queued tasks reached the replica, as a producer using WAIT would.
  await c.waitReplicated();
  const oldMaster = await c.masterPort();
  const worker = await startCeleriacWorker({ brokerUrl: c.url(1), backendUrl: c.url(2), app: APP, queues: ['sentq', 'sentbeat'], concurrency: 4,
    acksLate: true, prefetchMultiplier: 2, env });
  const beat = new CeleriacWorker(new ManagedProcess({
    command: process.execPath, args: [CELERIAC_BIN, 'beat', '-A', APP, '--loglevel', 'info'], cwd: REPO_ROOT,
    env: { ...process.env, CELERY_BROKER_URL: c.url(1), ...env }, label: 'celeriac beat',
  }));
  await beat.waitForRecord((r) => r.msg === 'beat sent task', 30_000, 'a first beat run');
  const firstBatch = new Set(before);
  const drained = (): number => new Set(worker.records().filter((r) => r.msg === 'task succeeded' && firstBatch.has(String(r.taskId)))
    .map((r) => r.taskId)).size;
  await worker.waitForRecord(() => drained() >= 20, 60_000, '20 tasks done before the failover');

  const newMaster = await c.failover();
  const failedOverAtMs = Date.now();
  expect(newMaster).not.toBe(oldMaster);
  // Mid-drain: part of the first batch was still to run once the new master had taken over.
  expect(drained()).toBeLessThan(120);
  await c.waitReplicaRole(oldMaster);

  // The producer follows (Celery asks the sentinels), and so does beat: a run due after the switch.
  const after = await runPythonJson<string[]>('sentinel_client.py', { args: ['send', '40', '20', 'sentq', '1000'], env: pythonEnv(c) });
  const beatAfter = await beat.waitForRecord((r: LogRecord) => r.msg === 'beat sent task' && Date.parse(String(r.runAt)) > failedOverAtMs,
    60_000, 'a beat run sent after the failover');
  const beatTaskId = String(beatAfter.taskId);

  const ids = [...before, ...after, beatTaskId];
  const results = await runPythonJson<Record<string, [string, number]>>('sentinel_client.py', {
    args: ['get', '120'], input: JSON.stringify(ids), env: pythonEnv(c), timeoutMs: 180_000,
  });
  expect(Object.keys(results)).toHaveLength(ids.length);
  before.forEach((id, i) => expect(results[id]).toEqual(['SUCCESS', i]));
  after.forEach((id, i) => expect(results[id]).toEqual(['SUCCESS', 1000 + i]));
  expect(results[beatTaskId]).toEqual(['SUCCESS', -1]);
  expect(await c.masterPort()).toBe(newMaster);

  const [workerExit, beatExit] = await Promise.all([worker.stop(), beat.stop()]);
  expect(workerExit.code).toBe(0);
  expect(beatExit.code).toBe(0);
}, 300_000);
