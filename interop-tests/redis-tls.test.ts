// Redis over TLS, for real: a redis-server listening on TLS only and requiring client certificates,
// with certificates openssl makes for the run. Python Celery sends over rediss:// URLs and reads
// results, errors and `inspect ping` back from a celeriac worker that connects with the same URL
// parameters, or with broker_use_ssl / redis_backend_use_ssl. An untrusted server certificate stops
// the worker at once, naming what to fix, and loses no message; a rediss:// result backend without
// ssl_cert_reqs is refused by celeriac as by Celery. `celeriac beat` sends its runs over the same URLs.
import { hostname } from 'node:os';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { createTestPki, type TestPki } from '../test/helpers/test-pki';
import { beatTicks } from './helpers/celeriac-beat';
import { runCeleriac, startCeleriacWorker, TAPP_JS, type CeleriacRun } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { runPythonJson } from './helpers/python';

let pki: TestPki;
let redis: RedisServer;

beforeAll(async () => {
  pki = await createTestPki();
  redis = await startRedisServer({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert, authClients: 'yes' } });
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await redis?.stop();
  pki?.remove();
});

const enc = encodeURIComponent;
/** A rediss:// URL with the client pair and `ca` to trust in its query, as redis-py and kombu read it. */
function url(db: number, ca = pki.caCert): string {
  return `${redis.url(db)}?ssl_cert_reqs=required&ssl_ca_certs=${enc(ca)}&ssl_certfile=${enc(pki.clientCert)}&ssl_keyfile=${enc(pki.clientKey)}`;
}
const pythonEnv = (): Record<string, string> => ({ CELERY_BROKER_URL: url(1), CELERY_RESULT_BACKEND: url(2) });

/** Runs `celeriac worker` to its exit (a start expected to fail). */
function runWorkerOnce(env: Record<string, string>): Promise<CeleriacRun> {
  return runCeleriac(['worker', '-A', TAPP_JS, '-Q', 'celery', '-c', '2', '-n', 'tlsbad@%h', '--loglevel', 'info'], env);
}

it('Python sends over rediss:// with a client certificate; results, an error and inspect ping come back from celeriac', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: url(1), backendUrl: url(2), nodeName: 'tls1@%h' });
  const out = await runPythonJson<{ adds: number[]; failure: string | null; ping: Record<string, unknown> }>('tls_calls.py',
    { args: ['calls', '20'], env: pythonEnv(), timeoutMs: 120_000 });
  expect(out.adds).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
  expect(out.failure).toBe('ValueError: out of range');
  expect(out.ping).toEqual({ [`tls1@${hostname()}`]: { ok: 'pong' } });
  expect((await worker.stop()).code).toBe(0);
}, 180_000);

it('broker_use_ssl and redis_backend_use_ssl give the same parameters when the URLs carry none', async () => {
  const pair = { ssl_ca_certs: pki.caCert, ssl_certfile: pki.clientCert, ssl_keyfile: pki.clientKey };
  const worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: `${redis.url(2)}?ssl_cert_reqs=required`, nodeName: 'tls2@%h',
    env: { CELERY_BROKER_USE_SSL: JSON.stringify({ ssl_cert_reqs: 'required', ...pair }), CELERY_REDIS_BACKEND_USE_SSL: JSON.stringify(pair) } });
  const out = await runPythonJson<{ adds: number[] }>('tls_calls.py', { args: ['calls', '3'], env: pythonEnv(), timeoutMs: 120_000 });
  expect(out.adds).toEqual([0, 2, 4]);
  // No warning about an unverified server: both connections verify.
  expect(worker.records().filter((r) => /not verified/.test(String(r.msg)))).toEqual([]);
  expect((await worker.stop()).code).toBe(0);
}, 180_000);

it('a server certificate from another CA stops the worker at once, saying what to fix; the queued task waits and runs later', async () => {
  const { id } = await runPythonJson<{ id: string }>('tls_calls.py', { args: ['send'], env: pythonEnv() });
  const bad = await runWorkerOnce({ CELERY_BROKER_URL: url(1, pki.otherCaCert), CELERY_RESULT_BACKEND: url(2) });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^celeriac: cannot connect to Redis at rediss:\/\/127\.0\.0\.1:\d+\/1\?.*: TLS handshake failed: .*; trust the server's CA with ssl_ca_certs=PATH/m);
  // Final at once: no retry loop for a certificate (as for a refused password).
  expect(bad.stdout).not.toContain('cannot connect; retrying');
  const worker = await startCeleriacWorker({ brokerUrl: url(1), backendUrl: url(2), nodeName: 'tls3@%h' });
  expect(await runPythonJson<{ result: number }>('tls_calls.py', { args: ['get', id], env: pythonEnv() })).toEqual({ result: 42 });
  expect((await worker.stop()).code).toBe(0);
}, 180_000);

it('a rediss:// result backend without ssl_cert_reqs is refused, by celeriac as by Celery', async () => {
  const bare = `${redis.url(2)}?ssl_ca_certs=${enc(pki.caCert)}`;
  const python = await runPythonJson<{ error: string | null }>('tls_calls.py', { args: ['backend'], env: { CELERY_BROKER_URL: url(1), CELERY_RESULT_BACKEND: bare } });
  expect(python.error).toMatch(/^ValueError: .*rediss:\/\/ URL must have parameter ssl_cert_reqs/s);
  const run = await runWorkerOnce({ CELERY_BROKER_URL: url(1), CELERY_RESULT_BACKEND: bare });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/result backend rediss:\/\/127\.0\.0\.1:\d+\/2\?.*: a rediss:\/\/ result backend must set ssl_cert_reqs/);
}, 120_000);

it('celeriac beat sends over rediss:// (its lease on the TLS broker); Python reads the runs a celeriac worker executed', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: url(1), backendUrl: url(2), nodeName: 'tls4@%h' });
  const ids = await beatTicks('tls-beat', 'tapp.add', [20, 22], { CELERY_BROKER_URL: url(1), CELERY_RESULT_BACKEND: url(2) });
  for (const taskId of ids) {
    expect(await runPythonJson<{ result: number }>('tls_calls.py', { args: ['get', taskId], env: pythonEnv() })).toEqual({ result: 42 });
  }
  expect((await worker.stop()).code).toBe(0);
}, 180_000);
