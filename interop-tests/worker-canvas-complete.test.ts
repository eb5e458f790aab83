// The canvas Celery's integration suite builds (chords as chain steps and as chord bodies, a chain
// ending in a group, a chord as link and link_error, chord link_error with and without
// task_allow_error_cb_on_chord_header, a group
// body whose header fails, the nested [[42, 42]] shape, map/starmap/chunks), sent by plain Python
// Celery (interop-tests/python/canvas_complete_calls.py) and awaited with .get(). The same script
// runs against the celeriac worker, a stock Python worker and a mixed fleet of both on one queue:
// the expected values below are what the Python worker gives, and the test checks it still does.
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { CANVAS_COMPLETE_EXPECTED as EXPECTED, normalisedCanvasReport as normalised, type CanvasCompleteReport as Report } from './helpers/canvas-complete-expected';

const CANVAS_APP_JS = join(REPO_ROOT, 'interop-tests', 'apps', 'canvas-app.js');

let redis: RedisServer;
const workers: Array<CeleriacWorker | PythonWorker> = [];
const reports: Record<'celeriac' | 'python' | 'mixed', Report> = { celeriac: {}, python: {}, mixed: {} };

async function runCases(dbs: [number, number, number], start: () => Promise<Array<CeleriacWorker | PythonWorker>>): Promise<Report> {
  const started = await start();
  workers.push(...started);
  try {
    const env = celeryEnv(redis.url(dbs[0]), redis.url(dbs[1]), { CANVAS_COUNTER_URL: redis.url(dbs[2]) });
    return await runPythonJson<Report>('canvas_complete_calls.py', { env, timeoutMs: 150_000 });
  } finally {
    await Promise.all(started.map((w) => w.stop()));
    for (const w of started) workers.splice(workers.indexOf(w), 1);
  }
}

function celeriac(dbs: [number, number, number], name: string): Promise<CeleriacWorker> {
  return startCeleriacWorker({ brokerUrl: redis.url(dbs[0]), backendUrl: redis.url(dbs[1]), app: CANVAS_APP_JS, queues: ['celery'],
    concurrency: 4, nodeName: name, env: { CANVAS_COUNTER_URL: redis.url(dbs[2]) } });
}

function python(dbs: [number, number, number], name: string): Promise<PythonWorker> {
  return startPythonWorker({ brokerUrl: redis.url(dbs[0]), backendUrl: redis.url(dbs[1]), queues: ['celery'], appModule: 'canvas_worker_app',
    concurrency: 4, nodeName: name, env: { CANVAS_COUNTER_URL: redis.url(dbs[2]) } });
}

beforeAll(async () => {
  redis = await startRedisServer();
  const alone: [number, number, number] = [1, 2, 3];
  const py: [number, number, number] = [4, 5, 6];
  const mixed: [number, number, number] = [7, 8, 9];
  [reports.celeriac, reports.python] = await Promise.all([
    runCases(alone, async () => [await celeriac(alone, 'ts1@%h')]),
    runCases(py, async () => [await python(py, 'py1@%h')]),
  ]);
  reports.mixed = await runCases(mixed, async () => Promise.all([celeriac(mixed, 'ts2@%h'), python(mixed, 'py2@%h')]));
}, 420_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await killAllChildren();
  await redis?.stop();
});

it('celeriac alone: a group body whose header fails raises the header member\'s exception, its members FAILURE', () => {
  expect(normalised(reports.celeriac).chord_group_body_fails).toEqual({ raised: 'ExpectedException', states: ['FAILURE', 'FAILURE'] });
});

describe.each(['python', 'celeriac', 'mixed'] as const)('Python-built canvas on a %s worker', (who) => {
  it.each(Object.keys(EXPECTED))('%s', (name) => {
    expect(normalised(reports[who])[name]).toEqual(EXPECTED[name]);
  });
});
