// Issue 13 item 3: stamping, revoke_by_stamped_headers, remote-control details and request details, driven
// by real Python Celery (StampingVisitor, app.control, inspect) against one celeriac and one Python worker
// on the same private Redis; celeriac must answer and store what the Python worker does.
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';

const TS = 'ts1@stamping';
const PY = 'py1@stamping';

let redis: RedisServer;
let celeriac: CeleriacWorker;
let python: PythonWorker;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const call = (scenario: string, args: Record<string, unknown>): Promise<Json> =>
  runPythonJson<Json>('stamping_calls.py', { args: [scenario, JSON.stringify(args)], env: celeryEnv(redis.url(1), redis.url(2)), timeoutMs: 90_000 });

/** A stored meta without what differs by worker or run (ids of children: only how many). */
function comparable(meta: Record<string, unknown>): Record<string, unknown> {
  const { worker, queue, date_done: doneAt, task_id: id, children, ...rest } = meta;
  void doneAt;
  return { ...rest, worker: typeof worker, queue: typeof queue, task_id: typeof id, children: (children as unknown[]).length };
}

beforeAll(async () => {
  redis = await startRedisServer();
  [celeriac, python] = await Promise.all([
    startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), nodeName: TS, queues: ['tsq'], concurrency: 2,
      app: join(REPO_ROOT, 'interop-tests', 'apps', 'stamping-app.js'), env: { CELERY_RESULT_EXTENDED: 'true' } }),
    startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), nodeName: PY, queues: ['pyq'], concurrency: 2,
      appModule: 'stamping_app' }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([celeriac?.stop(), python?.stop()]);
  await killAllChildren();
  await redis?.stop();
});

it('a stamped task and a stamped chain: the request exposes the stamps and every stored result carries them as Python stores them', async () => {
  const got = await call('stamped', { queues: ['tsq', 'pyq'], mid: 'mid-stamped' });
  expect(got.tsq.details).toEqual({ stamped_headers: ['monitoring_id'], stamps: { monitoring_id: 'mid-stamped' }, app_id: null, test_properties: null });
  expect(got.tsq.details).toEqual(got.pyq.details);
  expect(got.tsq.meta).toMatchObject({ stamped_headers: ['monitoring_id'], monitoring_id: 'mid-stamped' });
  expect(comparable(got.tsq.meta)).toEqual(comparable(got.pyq.meta));
  expect(Object.keys(got.tsq.meta)).toEqual(Object.keys(got.pyq.meta));
  // the chain's second step was published by the worker from the first step's embedded chain: stamps kept
  for (const i of [0, 1]) {
    expect(got.tsq.chain[i]).toMatchObject({ status: 'SUCCESS', stamped_headers: ['monitoring_id'], monitoring_id: 'mid-stamped' });
    const { parent_id: tsParent, ...ts } = comparable(got.tsq.chain[i]);
    const { parent_id: pyParent, ...py } = comparable(got.pyq.chain[i]);
    expect([ts, typeof tsParent]).toEqual([py, typeof pyParent]);
  }
}, 120_000);

it('revoke_by_stamped_headers: Python\'s reply, and a task stamped with a revoked value is not run while others are', async () => {
  const [ts, py] = await Promise.all([call('revoke', { node: TS, queue: 'tsq', mid: 'mid-revoked-ts' }),
    call('revoke', { node: PY, queue: 'pyq', mid: 'mid-revoked-py' })]);
  expect(ts.reply).toEqual([{ [TS]: { ok: "headers {'monitoring_id': ['mid-revoked-ts']} flagged as revoked, but not terminated" } }]);
  expect(py.reply).toEqual([{ [PY]: { ok: "headers {'monitoring_id': ['mid-revoked-py']} flagged as revoked, but not terminated" } }]);
  expect([ts.stamped, ts.other, ts.plain]).toEqual([{ state: 'REVOKED' }, { state: 'SUCCESS', value: 2 }, { state: 'SUCCESS', value: 2 }]);
  expect([py.stamped, py.other, py.plain]).toEqual([ts.stamped, ts.other, ts.plain]);
  expect(ts.meta).toMatchObject({ status: 'REVOKED', result: { exc_type: 'TaskRevokedError' } });
  expect(ts.meta.result).toEqual(py.meta.result);
  // the whole REVOKED meta as Python's (result_extended with the stamps), the ids apart
  expect([ts.meta.monitoring_id, py.meta.monitoring_id]).toEqual(['mid-revoked-ts', 'mid-revoked-py']);
  expect(comparable({ ...ts.meta, monitoring_id: 'm' })).toEqual(comparable({ ...py.meta, monitoring_id: 'm' }));
}, 120_000);

it('revoke_by_stamped_headers with terminate aborts the running stamped task and names the matched stamps', async () => {
  const got = await call('terminate', { node: TS, queue: 'tsq', mid: 'mid-running' });
  expect(got.reply).toEqual([{ [TS]: { ok: "headers defaultdict(<class 'set'>, {'monitoring_id': {'mid-running'}}) revoked" } }]);
  expect(got.outcome).toEqual({ state: 'REVOKED' });
}, 120_000);

it('inspect registered <attrs>, scheduled (eta to the microsecond) and conf answer as the Python worker does', async () => {
  const got = await call('inspect', { nodes: [TS, PY], queues: ['tsq', 'pyq'] });
  expect(got.registered[TS]).toEqual(got.registered[PY]);
  expect(got.registered[TS]).toContain('stamp.add [name=stamp.add]');
  expect(got.registered_items[TS]).toEqual(got.registered_items[PY]);
  expect(got.registered_items[TS]).toContain('stamp.add [name=stamp.add acks_late=False max_retries=3]');
  expect(got.scheduled[TS].map((s: Json) => s.eta)).toEqual([got.eta]);
  expect(got.scheduled[PY].map((s: Json) => s.eta)).toEqual([got.eta]);
  const entry = (node: string): Json => {
    const [{ request, ...rest }] = got.scheduled[node];
    return { ...rest, request: { ...request, id: typeof request.id, hostname: typeof request.hostname,
      delivery_info: { ...request.delivery_info, routing_key: typeof request.delivery_info.routing_key } } };
  };
  expect(entry(TS)).toEqual(entry(PY));
  const conf = got.conf[TS];
  expect(conf).toMatchObject({ broker_url: got.conf[PY].broker_url, result_backend: got.conf[PY].result_backend, result_extended: true,
    deprecated_settings: null });
  expect(Object.keys(got.conf[PY]).filter((k) => !(k in got.conf_all[TS]))).toEqual([]);
  for (const key of ['worker_hijack_root_logger', 'worker_log_color', 'accept_content', 'enable_utc', 'timezone', 'broker_heartbeat',
    'result_expires', 'task_default_queue', 'worker_prefetch_multiplier', 'task_serializer']) {
    expect(got.conf_all[TS]).toHaveProperty(key);
  }
  for (const key of ['worker_hijack_root_logger', 'enable_utc', 'accept_content', 'broker_heartbeat', 'result_expires', 'task_serializer',
    'deprecated_settings', 'task_default_queue', 'worker_prefetch_multiplier', 'event_exchange', 'task_protocol']) {
    expect([key, got.conf_all[TS][key]]).toEqual([key, got.conf_all[PY][key]]);
  }
}, 120_000);

it('the request exposes message properties (app_id, a custom one) and task.retry() takes expires from *args/keyword-only parameters', async () => {
  const [ts, py] = await Promise.all([call('details', { queue: 'tsq' }), call('details', { queue: 'pyq' })]);
  expect(ts.details).toEqual({ stamped_headers: null, stamps: {}, app_id: '1234', test_properties: 'tp' });
  expect(ts.details).toEqual(py.details);
  expect([ts.retried, py.retried]).toEqual([1, 1]);
  expect(ts.retry_meta).toMatchObject({ status: 'SUCCESS', result: 1, retries: 1 });
  expect([ts.expired, py.expired]).toEqual([{ state: 'REVOKED' }, { state: 'REVOKED' }]);
  expect(ts.expired_meta.result).toEqual(py.expired_meta.result);
}, 120_000);
