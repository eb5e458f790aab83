// Canvas on RabbitMQ: the same Python-built canvases as the Redis suites (worker-canvas.test.ts,
// worker-canvas-complete.test.ts), sent over py-amqp with results (and chord counters) in a private Redis DB 2:
// chains, groups, chords, link, link_error, a failing chain, chords with a failing header, chord errbacks, then
// the complete cases on celeriac alone and on a mixed fleet, and a chord whose header is split between a Python
// and a celeriac worker sharing one queue (they share the chord counter in Redis).
import { join } from 'node:path';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { CANVAS_COMPLETE_EXPECTED, normalisedCanvasReport, type CanvasCompleteReport } from './helpers/canvas-complete-expected';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe } from './helpers/redis-probe';

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

let rabbit: RabbitMqServer;
let redis: RedisServer;
const workers = new Set<CeleriacWorker | PythonWorker>();

function ok<T>(c: Case<T>): T {
  if (c.error !== undefined) throw new Error(`Python side raised ${c.error}`);
  return c.ok as T;
}

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...workers].map((w) => w.stop().catch(() => undefined)));
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

/** Results on DB 2 and execution records on `counterDb` of the one private Redis; the broker is RabbitMQ (vhost /). */
const env = (counterDb: number): Record<string, string> => celeryEnv(rabbit.url('pyamqp'), redis.url(2), { CANVAS_COUNTER_URL: redis.url(counterDb) });

async function celeriac(queue: string, name: string, counterDb: number, prefetchMultiplier?: number): Promise<CeleriacWorker> {
  const w = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), app: CANVAS_APP_JS, queues: [queue], concurrency: 4,
    nodeName: name, ...(prefetchMultiplier ? { prefetchMultiplier } : {}), env: { CANVAS_COUNTER_URL: redis.url(counterDb) } });
  workers.add(w);
  return w;
}
async function python(queue: string, name: string, counterDb: number, prefetchMultiplier?: number): Promise<PythonWorker> {
  const w = await startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), queues: [queue], appModule: 'canvas_worker_app',
    concurrency: 2, nodeName: name, ...(prefetchMultiplier ? { prefetchMultiplier } : {}), env: { CANVAS_COUNTER_URL: redis.url(counterDb) } });
  workers.add(w);
  return w;
}
async function stopAll(ws: Array<CeleriacWorker | PythonWorker>): Promise<void> {
  await Promise.all(ws.map((w) => w.stop()));
  for (const w of ws) workers.delete(w);
}

describe('canvases built by Python, executed by celeriac over RabbitMQ', () => {
  let report: CanvasReport;
  beforeAll(async () => {
    const ts = await celeriac('celery', 'ts-canvas@%h', 3);
    try {
      report = await runPythonJson<CanvasReport>('canvas_worker_calls.py', { args: ['canvas'], env: env(3), timeoutMs: 90_000 });
    } finally {
      await stopAll([ts]);
    }
  }, 150_000);

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
    expect(ok(report.failing_chain)).toMatchObject({ raised: 'KeyError', module: 'builtins', args: ['no key for 3'],
      last: { cls: 'KeyError', args: ['no key for 3'] }, states: ['SUCCESS', 'FAILURE', 'FAILURE'] });
  });
});

// canvas_complete_calls.py: chords with a failing header (chain_in_header_fails, chord_header_link_error*),
// chord errbacks, chords in chains and chord bodies, map/starmap/chunks. Each run uses the default queue `celery`
// once the previous run's workers have stopped.
describe.each([
  ['celeriac alone', async (): Promise<Array<CeleriacWorker | PythonWorker>> => [await celeriac('celery', 'ts-complete@%h', 4)]],
  ['a mixed fleet (celeriac + Python on one queue)', async (): Promise<Array<CeleriacWorker | PythonWorker>> =>
    Promise.all([celeriac('celery', 'ts-mixed@%h', 5), python('celery', 'py-mixed@%h', 5)])],
] as const)('the complete canvas cases on %s', (who, start) => {
  let report: CanvasCompleteReport;
  beforeAll(async () => {
    const started = await start();
    try {
      report = await runPythonJson<CanvasCompleteReport>('canvas_complete_calls.py', { env: env(who === 'celeriac alone' ? 4 : 5), timeoutMs: 200_000 });
    } finally {
      await stopAll(started);
    }
  }, 300_000);

  it.each(Object.keys(CANVAS_COMPLETE_EXPECTED))('%s', (name) => {
    expect(normalisedCanvasReport(report)[name]).toEqual(CANVAS_COMPLETE_EXPECTED[name]);
  });
});

it('a chord of 10 split between a Python and a celeriac worker on one queue runs its body once with ordered results', async () => {
  const probe = new RedisProbe(redis.url(6), redis.url(6));
  const started = await Promise.all([python('fleet', 'py-fleet@%h', 6, 1), celeriac('fleet', 'ts-fleet@%h', 6, 1)]);
  try {
    const r = ok(await runPythonJson<Case<FleetChord>>('canvas_worker_calls.py', { args: ['fleet_chord'], env: env(6), timeoutMs: 60_000 }));
    expect(r.value.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const byPart = await Promise.all(r.part_ids.map((id) => probe.results.lrange(`canvas:ran:${id}`, 0, -1)));
    expect(byPart.map((runs) => runs.length)).toEqual(Array(10).fill(1));
    expect(byPart.map((runs) => runs[0])).toEqual(r.value.map(([, by]) => by));
    process.stdout.write(`amqp fleet chord: header runners ${r.value.map(([, by]) => by).join(',')}\n`);
    expect(new Set(r.value.map(([, by]) => by))).toEqual(new Set(['py', 'ts']));
    expect(await probe.results.llen(`canvas:body:${r.body_id}`)).toBe(1);
  } finally {
    await probe.close();
    await stopAll(started);
  }
}, 180_000);
