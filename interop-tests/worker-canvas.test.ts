// Python-built canvases (chain, group, chord, link, link_error, a failing chain) executed entirely by
// the celeriac worker and awaited with Python's .get(); then a chord whose header is split between a
// Python worker and the celeriac worker on one queue.
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe } from './helpers/redis-probe';

/** The JS side of canvas_worker_app.py. */
const CANVAS_APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'canvas-app.js');

type Case<T> = { ok?: T; error?: string };
interface CanvasReport {
  chain3: Case<{ value: number; parent: number; grandparent: number }>;
  group5: Case<number[]>;
  chord10: Case<number>;
  link: Case<{ value: number; children: unknown[] }>;
  link_error: Case<{ raised: string | null; errback: string; task_id: string }>;
  failing_chain: Case<{ raised: string | null; module: string; args: string[]; last: { cls: string; args: string[] }; states: string[] }>;
}
interface FleetChord { value: Array<[number, string]>; body_id: string; part_ids: string[] }

let redis: RedisServer;
let env: Record<string, string>;
const workers: Array<CeleriacWorker | PythonWorker> = [];

function ok<T>(c: Case<T>): T {
  if (c.error !== undefined) throw new Error(`Python side raised ${c.error}`);
  return c.ok as T;
}

beforeAll(async () => {
  redis = await startRedisServer();
  env = celeryEnv(redis.url(1), redis.url(2), { CANVAS_COUNTER_URL: redis.url(3) });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await killAllChildren();
  await redis?.stop();
});

describe('canvases built by Python, executed by celeriac', () => {
  let report: CanvasReport;
  beforeAll(async () => {
    const ts = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app: CANVAS_APP_JS, queues: ['celery'],
      concurrency: 4, env: { CANVAS_COUNTER_URL: redis.url(3) } });
    workers.push(ts);
    report = await runPythonJson<CanvasReport>('canvas_worker_calls.py', { args: ['canvas'], env, timeoutMs: 90_000 });
    await ts.stop();
    workers.splice(workers.indexOf(ts), 1);
  });

  it('chain of 3: .get() returns the last value and every parent resolves', () => {
    expect(ok(report.chain3)).toEqual({ value: 113, parent: 13, grandparent: 3 });
  });
  it('group of 5 returns the results in order', () => expect(ok(report.group5)).toEqual([0, 2, 4, 6, 8]));
  it('chord of 10: the body gets the ordered header results', () => expect(ok(report.chord10)).toBe(55));
  it('link: the callback gets the result and is listed in children', () => {
    expect(ok(report.link)).toEqual({ value: 5, children: [[5, 'linked']] });
  });
  it('link_error: the errback runs with the failed task id', () => {
    const r = ok(report.link_error);
    expect(r.raised).toBe('KeyError');
    expect(r.errback).toBe(`errback saw ${r.task_id}`);
  });
  it('a chain with a failing middle step raises its KeyError from chain.get(), and the last step is FAILURE too', () => {
    const r = ok(report.failing_chain);
    expect(r).toMatchObject({ raised: 'KeyError', module: 'builtins', args: ['no key for 3'] });
    expect(r.last).toEqual({ cls: 'KeyError', args: ['no key for 3'] });
    expect(r.states).toEqual(['SUCCESS', 'FAILURE', 'FAILURE']);
  });
});

describe('mixed fleet', () => {
  it('a chord of 10 split between a Python and a celeriac worker runs its body once and returns ordered results', async () => {
    const probe = new RedisProbe(redis.url(1), redis.url(3));
    try {
      const py = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['fleet'], appModule: 'canvas_worker_app',
        concurrency: 2, prefetchMultiplier: 1, env: { CANVAS_COUNTER_URL: redis.url(3) } });
      workers.push(py);
      workers.push(await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app: CANVAS_APP_JS, queues: ['fleet'],
        concurrency: 2, prefetchMultiplier: 1, env: { CANVAS_COUNTER_URL: redis.url(3) } }));
      const r = ok(await runPythonJson<Case<FleetChord>>('canvas_worker_calls.py', { args: ['fleet_chord'], env, timeoutMs: 60_000 }));
      expect(r.value.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const byPart = await Promise.all(r.part_ids.map((id) => probe.results.lrange(`canvas:ran:${id}`, 0, -1)));
      expect(byPart.map((runs) => runs.length)).toEqual(Array(10).fill(1));
      expect(byPart.map((runs) => runs[0])).toEqual(r.value.map(([, by]) => by));
      const runners = new Set(r.value.map(([, by]) => by));
      process.stdout.write(`fleet chord: header runners ${r.value.map(([, by]) => by).join(',')}\n`);
      expect(runners).toEqual(new Set(['py', 'ts']));
      expect(await probe.results.llen(`canvas:body:${r.body_id}`)).toBe(1);
    } finally {
      await probe.close();
    }
  });
});
