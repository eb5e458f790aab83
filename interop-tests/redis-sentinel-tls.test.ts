// Redis Sentinel over TLS, for real: a TLS-only master and a TLS-only redis-sentinel, both requiring
// client certificates (openssl makes them for the run). Python Celery, configured as kombu and Celery
// document it (broker_use_ssl / redis_backend_use_ssl for the master, `sentinel_kwargs` in the
// transport options for the sentinels), sends and reads results, an error and `inspect ping` back
// from a celeriac worker given the same settings; `celeriac beat` sends through the same sentinel. A
// certificate it does not trust, or a plain connection to the TLS sentinel, is told apart and named.
import { hostname } from 'node:os';
import { createTestPki, type TestPki } from '../test/helpers/test-pki';
import { startTlsSentinel, type TlsSentinel } from '../test/helpers/tls-sentinel';
import { beatTicks } from './helpers/celeriac-beat';
import { CELERIAC_BIN, CeleriacWorker, runCeleriac, startCeleriacWorker, TAPP_JS, type CeleriacRun } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { ManagedProcess } from './helpers/managed-process';
import { REPO_ROOT, runPythonJson } from './helpers/python';

let pki: TestPki;
let sentinel: TlsSentinel;

beforeAll(async () => {
  pki = await createTestPki();
  sentinel = await startTlsSentinel(pki);
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await sentinel?.stop();
  pki?.remove();
});

/** redis-py's ssl_* keys for the test's client pair. */
const pair = (): Record<string, string> => ({ ssl_cert_reqs: 'required', ssl_ca_certs: pki.caCert, ssl_certfile: pki.clientCert, ssl_keyfile: pki.clientKey });
const transportOptions = (): Record<string, unknown> => ({ master_name: sentinel.masterName, sentinel_kwargs: { ssl: true, ...pair() } });

/** The same settings, as Celery names them, for the Python side (TAPP_CONF) and as celeriac's environment. */
const celeryConf = (): Record<string, unknown> => ({
  broker_transport_options: transportOptions(), result_backend_transport_options: transportOptions(),
  broker_use_ssl: pair(), redis_backend_use_ssl: pair(),
});
const pythonEnv = (): Record<string, string> => ({ CELERY_BROKER_URL: sentinel.url(1), CELERY_RESULT_BACKEND: sentinel.url(2), TAPP_CONF: JSON.stringify(celeryConf()) });
const celeriacEnv = (over: Record<string, unknown> = {}): Record<string, string> => {
  const conf = { ...celeryConf(), ...over };
  return {
    CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify(conf.broker_transport_options),
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS: JSON.stringify(conf.result_backend_transport_options),
    CELERY_BROKER_USE_SSL: JSON.stringify(conf.broker_use_ssl),
    CELERY_REDIS_BACKEND_USE_SSL: JSON.stringify(conf.redis_backend_use_ssl),
  };
};

const WORKER_ARGS = ['worker', '-A', TAPP_JS, '-Q', 'celery', '-c', '2', '-n', 'stlsbad@%h', '--loglevel', 'info'];
/** Runs `celeriac worker` to its exit (a start expected to fail) with celeriacEnv(over). */
function runWorkerOnce(over: Record<string, unknown>): Promise<CeleriacRun> {
  return runCeleriac(WORKER_ARGS, { CELERY_BROKER_URL: sentinel.url(1), CELERY_RESULT_BACKEND: sentinel.url(2), ...celeriacEnv(over) });
}

it('Python sends through a TLS sentinel to a TLS master; results, an error and inspect ping come back from celeriac', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: sentinel.url(1), backendUrl: sentinel.url(2), nodeName: 'stls1@%h', env: celeriacEnv() });
  const out = await runPythonJson<{ adds: number[]; failure: string | null; ping: Record<string, unknown> }>('tls_calls.py',
    { args: ['calls', '10'], env: pythonEnv(), timeoutMs: 120_000 });
  expect(out.adds).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
  expect(out.failure).toBe('ValueError: out of range');
  expect(out.ping).toEqual({ [`stls1@${hostname()}`]: { ok: 'pong' } });
  expect(worker.records().filter((r) => /not verified/.test(String(r.msg)))).toEqual([]);
  expect((await worker.stop()).code).toBe(0);
}, 180_000);

it('celeriac beat sends through the TLS sentinel; Python reads every run a celeriac worker executed', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: sentinel.url(1), backendUrl: sentinel.url(2), nodeName: 'stls2@%h', env: celeriacEnv() });
  const ids = await beatTicks('sentinel-tls-beat', 'tapp.add', [20, 22],
    { CELERY_BROKER_URL: sentinel.url(1), CELERY_RESULT_BACKEND: sentinel.url(2), ...celeriacEnv() });
  for (const taskId of ids) {
    expect(await runPythonJson<{ result: number }>('tls_calls.py', { args: ['get', taskId], env: pythonEnv() })).toEqual({ result: 42 });
  }
  expect((await worker.stop()).code).toBe(0);
}, 180_000);

it('a result backend over the TLS sentinel without ssl_cert_reqs is refused, by celeriac as by Celery', async () => {
  const { ssl_cert_reqs: _, ...noReqs } = pair();
  const python = await runPythonJson<{ error: string | null }>('tls_calls.py', { args: ['backend'],
    env: { ...pythonEnv(), TAPP_CONF: JSON.stringify({ ...celeryConf(), redis_backend_use_ssl: noReqs }) } });
  expect(python.error).toMatch(/^ValueError: .*ssl_cert_reqs/s);
  const run = await runWorkerOnce({ redis_backend_use_ssl: noReqs });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/result backend sentinel:\/\/127\.0\.0\.1:\d+\/2: .*must set ssl_cert_reqs/);
}, 120_000);

it('an untrusted sentinel or master certificate stops the worker at once, naming the setting; a plain client to the TLS sentinel is told to set ssl', async () => {
  const sentinelCa = await runWorkerOnce({ broker_transport_options: { master_name: sentinel.masterName, sentinel_kwargs: { ssl: true, ...pair(), ssl_ca_certs: pki.otherCaCert } } });
  expect(sentinelCa.code).toBe(1);
  expect(sentinelCa.stderr).toMatch(/^celeriac: cannot connect to Redis at sentinel:\/\/127\.0\.0\.1:\d+\/1: sentinel 127\.0\.0\.1:\d+: TLS handshake failed: .*trust the server's CA with ssl_ca_certs in sentinel_kwargs/m);
  const masterCa = await runWorkerOnce({ broker_use_ssl: { ...pair(), ssl_ca_certs: pki.otherCaCert } });
  expect(masterCa.code).toBe(1);
  expect(masterCa.stderr).toMatch(/^celeriac: cannot connect to Redis at sentinel:\/\/127\.0\.0\.1:\d+\/1: TLS handshake failed: .*trust the server's CA with ssl_ca_certs in broker_use_ssl/m);
  for (const run of [sentinelCa, masterCa]) expect(run.stdout).not.toContain('cannot connect; retrying');
  // Plain TCP to a TLS-only sentinel: retried (a sentinel may be restarting), with the fix in the line.
  const plain = new CeleriacWorker(new ManagedProcess({ command: process.execPath, args: [CELERIAC_BIN, ...WORKER_ARGS], cwd: REPO_ROOT, label: 'celeriac plain to TLS',
    env: { ...process.env, CELERY_BROKER_URL: sentinel.url(1), CELERY_RESULT_BACKEND: sentinel.url(2), ...celeriacEnv({ broker_transport_options: { master_name: sentinel.masterName } }) } }));
  const retry = await plain.waitForRecord((r) => r.msg === 'cannot connect; retrying', 30_000, 'a retry of the plain connection');
  expect(String(retry.error)).toMatch(/sentinel 127\.0\.0\.1:\d+ closed the connection without answering .*set ssl: true in sentinel_kwargs/);
  await plain.kill();
}, 120_000);
