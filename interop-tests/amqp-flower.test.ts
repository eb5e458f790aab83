// Real Flower 2.0.1 (from the venv) on a private RabbitMQ (broker pyamqp://, results in a private Redis)
// with a celeriac worker: Flower shows the worker online with its stats, registered tasks and queues,
// its tasks with their states, and the worker answers Flower's remote-control buttons. Tasks are sent
// from Python. Flower's /broker page needs RabbitMQ's management API (--broker_api), which the private
// broker does not run (no plugins): what Flower shows there without it is checked too.
import { freePort } from '../test/helpers/free-port';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { ManagedProcess } from './helpers/managed-process';
import { PYTHON_DIR, celeryEnv, runPythonJson, venvBin } from './helpers/python';
import { waitUntil } from './helpers/redis-probe';

const MAIN = 'ts-flower@interop';

let rabbit: RabbitMqServer;
let redis: RedisServer;
let flower: ManagedProcess;
let flowerUrl: string;
let main: CeleriacWorker;

type FlowerWorkers = Record<string, { stats?: { pool?: Record<string, unknown>; broker?: Record<string, unknown> }; active_queues?: Array<{ name: string }>; registered?: string[] }>;
type FlowerTask = { name: string; args: string; state: string; runtime: number | null; result: string | null; exception: string | null; worker?: string };

async function http(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${flowerUrl}${path}`, {
    method, signal: AbortSignal.timeout(15_000),
    ...(form ? { body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
  });
  return { status: res.status, text: await res.text() };
}

async function getJson<T>(path: string): Promise<T> {
  const res = await http('GET', path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}

const pyEnv = (): Record<string, string> => celeryEnv(rabbit.url('pyamqp'), redis.url(2));
const refreshed = async (name: string): Promise<FlowerWorkers[string] | undefined> =>
  (await getJson<FlowerWorkers>(`/api/workers?refresh=1&workername=${encodeURIComponent(name)}`))[name];
const send = (specs: unknown[]): Promise<string[]> => runPythonJson<string[]>('monitoring_send.py', { args: [JSON.stringify(specs)], env: pyEnv() });
const flowerTask = (id: string, state: string): Promise<FlowerTask> => waitUntil(async () => {
  const res = await http('GET', `/api/task/info/${id}`);
  const task = res.status === 200 ? JSON.parse(res.text) as FlowerTask : undefined;
  return task?.state === state ? task : undefined;
}, `Flower to show ${id} as ${state}`, { timeoutMs: 20_000 });

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  main = await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), nodeName: MAIN, concurrency: 2,
    env: { CELERY_WORKER_SEND_TASK_EVENTS: 'true', CELERY_WORKER_HEARTBEAT_INTERVAL: '1' } });
  const port = await freePort();
  flowerUrl = `http://127.0.0.1:${port}`;
  flower = new ManagedProcess({
    command: venvBin('celery'), args: ['-A', 'monitoring_app', 'flower', `--port=${port}`, '--address=127.0.0.1', '--inspect_timeout=1000'],
    cwd: PYTHON_DIR, label: 'flower',
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONUNBUFFERED: '1', FLOWER_UNAUTHENTICATED_API: 'true', ...pyEnv() },
  });
  await flower.waitForLine((l) => l.includes('Visit me at'), 30_000, '"Visit me at" line');
  await waitUntil(async () => (await fetch(`${flowerUrl}/healthcheck`).then((r) => r.status, () => 0)) === 200, 'Flower /healthcheck');
}, 120_000);

afterAll(async () => {
  await main?.stop();
  await flower?.stop('SIGTERM', 5000);
  await killAllChildren();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

it('lists the worker online with stats (broker amqp), registered tasks and queues', async () => {
  const info = await waitUntil(async () => {
    const w = await refreshed(MAIN);
    return w?.stats?.pool && w.registered && w.active_queues ? w : undefined;
  }, 'Flower to hold stats, registered and active_queues of the worker');
  expect(info.stats?.pool?.['max-concurrency']).toBe(2);
  expect(info.stats?.broker).toMatchObject({ transport: 'amqp', port: rabbit.port });
  expect(info.registered).toEqual(expect.arrayContaining(['tapp.add', 'tapp.fail_value']));
  expect(info.active_queues?.map((q) => q.name)).toEqual(['celery']);
  await waitUntil(async () => (await getJson<Record<string, boolean>>('/api/workers?status=true'))[MAIN] === true, 'the worker alive in Flower');
  const page = await http('GET', `/worker/${encodeURIComponent(MAIN)}`);
  expect(page.status).toBe(200);
  expect(page.text).toMatch(/<td>Max concurrency<\/td>\s*<td>2<\/td>/);
}, 60_000);

it('shows its tasks with their states, results and exceptions (task events over celeryev)', async () => {
  const [okId, failId] = await send([{ name: 'tapp.add', args: [2, 3] }, { name: 'tapp.fail_value', args: ['nope'] }]);
  const ok = await flowerTask(okId!, 'SUCCESS');
  expect(ok).toMatchObject({ name: 'tapp.add', args: '[2, 3]', result: '5', worker: MAIN });
  expect(typeof ok.runtime).toBe('number');
  const failed = await flowerTask(failId!, 'FAILURE');
  expect(failed).toMatchObject({ name: 'tapp.fail_value', args: "['nope']", worker: MAIN });
  expect(failed.exception).toContain('nope');
  const list = await getJson<Record<string, FlowerTask>>('/api/tasks');
  expect(list[okId!]).toMatchObject({ name: 'tapp.add', state: 'SUCCESS' });
  expect(list[failId!]).toMatchObject({ name: 'tapp.fail_value', state: 'FAILURE' });
}, 60_000);

it('answers Flower\'s remote control: rate limit, add consumer, pool grow', async () => {
  const rate = await http('POST', '/api/task/rate-limit/tapp.add', { workername: MAIN, ratelimit: '100/m' });
  expect(rate.status).toBe(200);
  expect(JSON.parse(rate.text)).toEqual({ message: 'new rate limit set successfully' });
  const add = await http('POST', `/api/worker/queue/add-consumer/${encodeURIComponent(MAIN)}`, { queue: 'flowerq' });
  expect(add.status).toBe(200);
  expect(JSON.parse(add.text)).toEqual({ message: 'add consumer flowerq' });
  await waitUntil(async () => (await refreshed(MAIN))?.active_queues?.some((q) => q.name === 'flowerq'), 'flowerq in active_queues');
  const [onFlowerq] = await send([{ name: 'tapp.add', args: [4, 5], queue: 'flowerq' }]);
  expect((await flowerTask(onFlowerq!, 'SUCCESS')).result).toBe('9');
  expect((await http('POST', `/api/worker/pool/grow/${encodeURIComponent(MAIN)}`, { n: '1' })).status).toBe(200);
  await waitUntil(async () => (await refreshed(MAIN))?.stats?.pool?.['max-concurrency'] === 3, 'max-concurrency 3 after grow');
}, 60_000);

it('the /broker page needs the management API the private broker lacks: Flower logs the failed call and lists no queues', async () => {
  const page = await http('GET', '/broker');
  expect(page.status).toBe(200);
  // Without --broker_api Flower asks http://<broker host>:<port>/api/ for the queues; nothing answers HTTP there.
  const logged = await flower.waitForLine((l) => l.includes('RabbitMQ management API call failed') || l.includes('Unable to get queues'),
    15_000, 'Flower to log the failed management API call');
  process.stdout.write(`flower /broker without the management API: HTTP ${page.status}; ${logged.trim()}\n`);
  expect(page.text).not.toContain('flowerq');
}, 30_000);
