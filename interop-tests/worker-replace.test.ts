// task.replace() (with a task, a chain, a group in and out of a chain, a replaced chord member, a
// replaced task that fails), task.addToChord() (a task, a chord) and tasks/canvases sent from inside
// a task, called by plain Python Celery (interop-tests/python/replace_calls.py) and read back with
// AsyncResult.get()/state/children. The same script runs against a celeriac worker
// (interop-tests/apps/replace-app.js) and a stock Python worker (interop-tests/python/replace_app.py)
// on one private Redis: celeriac must give what Python's own worker gives, alone and in a mixed fleet
// (both workers on one queue, so chords grown by add_to_chord are counted by either).
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker } from './helpers/python-worker';

type Report = Record<string, unknown>;

let redis: RedisServer;
const reports: { celeriac: Report; python: Report; mixed: Report } = { celeriac: {}, python: {}, mixed: {} };

async function runAgainst(who: 'celeriac' | 'python' | 'mixed', dbs: [number, number]): Promise<Report> {
  const brokerUrl = redis.url(dbs[0]);
  const backendUrl = redis.url(dbs[1]);
  const starts = [];
  if (who !== 'python') {
    starts.push(startCeleriacWorker({ brokerUrl, backendUrl, app: join(REPO_ROOT, 'interop-tests', 'apps', 'replace-app.js'), concurrency: 4, nodeName: `ts-${who}@%h` }));
  }
  if (who !== 'celeriac') starts.push(startPythonWorker({ brokerUrl, backendUrl, appModule: 'replace_app', concurrency: 4, nodeName: `py-${who}@%h` }));
  const workers = await Promise.all(starts);
  try {
    return await runPythonJson<Report>('replace_calls.py', { env: celeryEnv(brokerUrl, backendUrl), timeoutMs: 240_000 });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

beforeAll(async () => {
  redis = await startRedisServer();
  [reports.python, reports.celeriac] = await Promise.all([runAgainst('python', [1, 2]), runAgainst('celeriac', [3, 4])]);
  reports.mixed = await runAgainst('mixed', [5, 6]);
}, 420_000);

afterAll(async () => {
  await killAllChildren();
  await redis?.stop();
});

it('the Python worker ran every scenario (the reference is complete)', () => {
  expect(Object.keys(reports.python).sort()).toEqual(['add_chord_to_chord', 'add_to_chord', 'build_chain', 'chain_alone', 'chain_in_chain',
    'chord_member', 'fails', 'group_alone', 'group_in_chain', 'in_chain', 'send_then_fail', 'sender', 'task', 'task_with_link']);
});

describe.each(['celeriac', 'mixed'] as const)('a %s worker gives what a Python worker gives', (who) => {
  it.each(['task', 'task_with_link', 'in_chain', 'chain_in_chain', 'chain_alone', 'group_in_chain', 'group_alone', 'chord_member', 'fails',
    'add_to_chord', 'add_chord_to_chord', 'sender', 'send_then_fail', 'build_chain'])('%s', (name) => {
    expect(reports[who][name]).toEqual(reports.python[name]);
  });
});
