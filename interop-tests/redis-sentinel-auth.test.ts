// Redis Sentinel with passwords, for real: a master that requires one (`requirepass`), one sentinel
// without a password of its own and one with (`requirepass` on the sentinel). As kombu and Celery
// do it, the URL's password is the master's only; a sentinel's own password comes from
// `sentinel_kwargs` in the transport options. Python Celery and a celeriac worker with the same
// settings exchange calls, an error and `inspect ping`; a sentinel's password left out is named.
import { hostname } from 'node:os';
import Redis from 'ioredis';
import { startRedisProcess, type RedisProcess } from '../test/helpers/redis-sentinel';
import { runCeleriac, startCeleriacWorker, TAPP_JS } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { runPythonJson } from './helpers/python';
import { waitUntil } from './helpers/redis-probe';

const MASTER = 'celeriacauth';
const MASTER_PASSWORD = 'master-pw';
const SENTINEL_PASSWORD = 'sentinel-pw';
let master: RedisProcess;
let openSentinel: RedisProcess;
let lockedSentinel: RedisProcess;

beforeAll(async () => {
  master = await startRedisProcess({ args: ['--requirepass', MASTER_PASSWORD] });
  const monitor = [`sentinel monitor ${MASTER} 127.0.0.1 ${master.port} 1`, `sentinel auth-pass ${MASTER} ${MASTER_PASSWORD}`,
    `sentinel down-after-milliseconds ${MASTER} 2000`];
  openSentinel = await startRedisProcess({ sentinelConf: monitor.join('\n') });
  lockedSentinel = await startRedisProcess({ sentinelConf: [...monitor, `requirepass ${SENTINEL_PASSWORD}`].join('\n') });
  await Promise.all([linked(openSentinel.port), linked(lockedSentinel.port, SENTINEL_PASSWORD)]);
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await Promise.all([openSentinel?.stop(), lockedSentinel?.stop(), master?.stop()]);
});

/** Resolves once the sentinel on `port` sees the master as up (its flags are plain `master`). */
async function linked(port: number, password?: string): Promise<void> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, ...(password ? { password } : {}) });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await waitUntil(async () => {
      const fields = (await client.call('SENTINEL', 'MASTER', MASTER)) as string[];
      return fields[fields.indexOf('flags') + 1] === 'master' ? true : undefined;
    }, `sentinel ${port} to see ${MASTER} up`, { timeoutMs: 30_000 });
  } finally {
    client.disconnect();
  }
}

const url = (sentinel: RedisProcess, db: number): string => `sentinel://:${MASTER_PASSWORD}@127.0.0.1:${sentinel.port}/${db}`;
const options = (sentinelKwargs?: Record<string, unknown>): string =>
  JSON.stringify({ master_name: MASTER, ...(sentinelKwargs ? { sentinel_kwargs: sentinelKwargs } : {}) });
const celeriacEnv = (sentinelKwargs?: Record<string, unknown>): Record<string, string> => ({
  CELERY_BROKER_TRANSPORT_OPTIONS: options(sentinelKwargs), CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS: options(sentinelKwargs),
});
const pythonEnv = (sentinel: RedisProcess, sentinelKwargs?: Record<string, unknown>): Record<string, string> => {
  const transport = JSON.parse(options(sentinelKwargs)) as Record<string, unknown>;
  return { CELERY_BROKER_URL: url(sentinel, 1), CELERY_RESULT_BACKEND: url(sentinel, 2),
    TAPP_CONF: JSON.stringify({ broker_transport_options: transport, result_backend_transport_options: transport }) };
};

/** Python's calls through `sentinel` against a celeriac worker with the same settings; returns the worker's output lines. */
async function roundTrips(sentinel: RedisProcess, node: string, sentinelKwargs?: Record<string, unknown>): Promise<string[]> {
  const worker = await startCeleriacWorker({ brokerUrl: url(sentinel, 1), backendUrl: url(sentinel, 2), nodeName: `${node}@%h`, env: celeriacEnv(sentinelKwargs) });
  const out = await runPythonJson<{ adds: number[]; failure: string | null; ping: Record<string, unknown> }>('tls_calls.py',
    { args: ['calls', '5'], env: pythonEnv(sentinel, sentinelKwargs), timeoutMs: 120_000 });
  expect(out.adds).toEqual([0, 2, 4, 6, 8]);
  expect(out.failure).toBe('ValueError: out of range');
  expect(out.ping).toEqual({ [`${node}@${hostname()}`]: { ok: 'pong' } });
  expect((await worker.stop()).code).toBe(0);
  return worker.proc.lines;
}

it('the URL password goes to the master only: a sentinel without a password is not sent one', async () => {
  const lines = await roundTrips(openSentinel, 'sauth1');
  // ioredis prints this on the console when a server without a password is sent one
  expect(lines.filter((l) => /password was supplied/.test(l))).toEqual([]);
}, 180_000);

it('a sentinel with its own password takes it from sentinel_kwargs, for Python and celeriac alike', async () => {
  await roundTrips(lockedSentinel, 'sauth2', { password: SENTINEL_PASSWORD });
}, 180_000);

it('a sentinel password left out or wrong stops the worker at once naming sentinel_kwargs; a wrong master password names the URL', async () => {
  const args = ['worker', '-A', TAPP_JS, '-Q', 'celery', '-c', '2', '-n', 'sauthbad@%h'];
  const env = { CELERY_BROKER_URL: url(lockedSentinel, 1), CELERY_RESULT_BACKEND: url(lockedSentinel, 2) };
  const missing = await runCeleriac(args, { ...env, ...celeriacEnv() });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^celeriac: cannot connect to Redis at sentinel:\/\/.*: sentinel 127\.0\.0\.1:\d+ requires a password .*NOAUTH.*: give it as password in sentinel_kwargs/m);
  const wrong = await runCeleriac(args, { ...env, ...celeriacEnv({ password: 'not-it' }) });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/^celeriac: cannot connect to Redis at sentinel:\/\/.*: sentinel 127\.0\.0\.1:\d+ refused the password in sentinel_kwargs .*WRONGPASS/m);
  // the sentinel accepts its password and the master refuses the URL's: the URL is named, not sentinel_kwargs
  const badMaster = await runCeleriac(args, { CELERY_BROKER_URL: env.CELERY_BROKER_URL.replace(MASTER_PASSWORD, 'not-it'),
    CELERY_RESULT_BACKEND: env.CELERY_RESULT_BACKEND, ...celeriacEnv({ password: SENTINEL_PASSWORD }) });
  expect(badMaster.code).toBe(1);
  expect(badMaster.stderr).toMatch(/^celeriac: cannot connect to Redis at sentinel:\/\/:\*\*\*@.*: the server refused the password \(or user name\) in the URL \(WRONGPASS\)/m);
  expect(`${missing.stderr}${wrong.stderr}${badMaster.stderr}`).not.toMatch(new RegExp(`${SENTINEL_PASSWORD}|${MASTER_PASSWORD}|not-it`));
}, 120_000);
