// RabbitMQ over TLS, for real: a private rabbitmq-server with a TLS listener that requires client
// certificates (made by openssl for the run). Python Celery with broker_use_ssl sends over amqps://
// and reads results, an error and `inspect ping` back from a celeriac worker given the same
// broker_use_ssl; an untrusted server certificate, or no client certificate, stops the worker at
// once with a message that says what to fix; rpc:// replies reach a TypeScript producer over TLS too,
// and `celeriac beat` given the same broker_use_ssl sends its runs over amqps://.
import { hostname } from 'node:os';
import { Celery } from '../src/app/celery';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { createTestPki, type TestPki } from '../test/helpers/test-pki';
import { beatTicks } from './helpers/celeriac-beat';
import { runCeleriac, startCeleriacWorker, TAPP_JS, type CeleriacRun } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { runPythonJson } from './helpers/python';

let pki: TestPki;
let rabbit: RabbitMqServer;
let redis: RedisServer;

beforeAll(async () => {
  pki = await createTestPki();
  [rabbit, redis] = await Promise.all([
    startRabbitMqServer({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert, requireClientCert: true } }),
    startRedisServer(),
  ]);
}, 120_000);

afterAll(async () => {
  await killAllChildren();
  await Promise.all([rabbit?.stop(), redis?.stop()]);
  pki?.remove();
});

const brokerUrl = (): string => `amqps://guest:guest@127.0.0.1:${String(rabbit.tlsPort)}//`;
const useSsl = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  ca_certs: pki.caCert, certfile: pki.clientCert, keyfile: pki.clientKey, cert_reqs: 'CERT_REQUIRED', ...over,
});

function runWorkerOnce(ssl: Record<string, unknown>): Promise<CeleriacRun> {
  return runCeleriac(['worker', '-A', TAPP_JS, '-Q', 'celery', '-c', '2', '-n', 'amqptlsbad@%h', '--loglevel', 'info'],
    { CELERY_BROKER_URL: brokerUrl(), CELERY_RESULT_BACKEND: redis.url(2), CELERY_BROKER_USE_SSL: JSON.stringify(ssl) });
}

it('Python sends over amqps:// with a client certificate; results, an error and inspect ping come back from celeriac', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: brokerUrl(), backendUrl: redis.url(2), nodeName: 'amqptls@%h',
    env: { CELERY_BROKER_USE_SSL: JSON.stringify(useSsl()) } });
  const out = await runPythonJson<{ adds: number[]; failure: string | null; ping: Record<string, unknown> }>('amqp_tls_calls.py', {
    args: ['10'], timeoutMs: 120_000,
    env: { CELERY_BROKER_URL: brokerUrl(), CELERY_RESULT_BACKEND: redis.url(2), AMQP_TLS: JSON.stringify(useSsl()) },
  });
  expect(out.adds).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
  expect(out.failure).toBe('ValueError: out of range');
  expect(out.ping).toEqual({ [`amqptls@${hostname()}`]: { ok: 'pong' } });
  expect((await worker.stop()).code).toBe(0);
}, 180_000);

it('a server certificate from another CA, or no client certificate, stops the worker at once saying what to fix', async () => {
  const untrusted = await runWorkerOnce(useSsl({ ca_certs: pki.otherCaCert }));
  expect(untrusted.code).toBe(1);
  expect(untrusted.stderr).toMatch(/^celeriac: cannot connect to broker amqps:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\/\/: TLS handshake failed: .*trust the server's CA with broker_use_ssl\.ca_certs/m);
  const anonymous = await runWorkerOnce({ ca_certs: pki.caCert });
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toMatch(/TLS handshake refused by the server: .*client certificate \(broker_use_ssl\.certfile and keyfile\)/);
  for (const run of [untrusted, anonymous]) expect(run.stdout).not.toContain('cannot connect; retrying');
}, 120_000);

it('rpc:// over TLS: a TypeScript producer with broker_use_ssl reads the reply a celeriac worker sends', async () => {
  const worker = await startCeleriacWorker({ brokerUrl: brokerUrl(), backendUrl: 'rpc://', nodeName: 'amqptlsrpc@%h',
    env: { CELERY_BROKER_USE_SSL: JSON.stringify(useSsl()) } });
  const app = new Celery('ts-tls-client', { broker: brokerUrl(), backend: 'rpc://', conf: { broker_use_ssl: useSsl() } });
  try {
    const result = await app.sendTask('tapp.add', [2, 3]);
    await expect(result.get({ timeout: 30 })).resolves.toBe(5);
  } finally {
    await app.close();
  }
  expect((await worker.stop()).code).toBe(0);
}, 120_000);

it('celeriac beat with broker_use_ssl sends over amqps://; a celeriac worker executes every run it sent', async () => {
  const ssl = { CELERY_BROKER_USE_SSL: JSON.stringify(useSsl()) };
  const worker = await startCeleriacWorker({ brokerUrl: brokerUrl(), backendUrl: redis.url(2), nodeName: 'amqptlsbeat@%h', env: ssl });
  const app = new Celery('ts-tls-reader', { broker: brokerUrl(), backend: redis.url(2), conf: { broker_use_ssl: useSsl() } });
  try {
    const ids = await beatTicks('amqp-tls-beat', 'tapp.add', [2, 3], { CELERY_BROKER_URL: brokerUrl(), CELERY_RESULT_BACKEND: redis.url(2), ...ssl });
    for (const taskId of ids) await expect((await app.AsyncResult(taskId)).get({ timeout: 30 })).resolves.toBe(5);
  } finally {
    await app.close();
  }
  expect((await worker.stop()).code).toBe(0);
}, 180_000);
