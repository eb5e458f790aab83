// The compose file's Flower service, run for real: its own command and environment (Flower 2.0.1 from
// the venv, broker URLs pointed at a private redis-server) must demand the FLOWER_BASIC_AUTH
// credentials on its pages, and leave /healthcheck (what the service's healthcheck probes) open.
import { freePort } from '../../helpers/free-port';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';
import { killAllChildren } from '../../../interop-tests/helpers/child-registry';
import { ManagedProcess } from '../../../interop-tests/helpers/managed-process';
import { venvBin } from '../../../interop-tests/helpers/python';
import { waitUntil } from '../../../interop-tests/helpers/redis-probe';
import { commandOption, loadComposeModel } from './compose-model';

const CREDENTIALS = 'ops:flower-test-secret';
let redis: RedisServer;
let flower: ManagedProcess;
let baseUrl: string;
let healthcheck: string[];

beforeAll(async () => {
  const { services } = await loadComposeModel({ FLOWER_BASIC_AUTH: CREDENTIALS });
  const svc = services.flower;
  if (!svc) throw new Error('docker-compose.yml has no flower service');
  healthcheck = svc.healthcheck?.test ?? [];
  redis = await startRedisServer();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const [command, ...args] = svc.command ?? [];
  expect(command).toBe('celery');
  const composePort = commandOption(args, '--port');
  const localArgs = args.map((a) => a.replace('redis://redis:6379/', `redis://127.0.0.1:${redis.port}/`).replace(`--port=${composePort}`, `--port=${port}`));
  flower = new ManagedProcess({
    command: venvBin('celery'), args: [...localArgs, '--address=127.0.0.1'], label: 'flower (compose)',
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...svc.environment },
  });
  await flower.waitForLine((l) => l.includes('Visit me at'), 30_000, '"Visit me at" line');
  // Flower logs that line just before it binds: wait until it answers at all (any status)
  await waitUntil(async () => fetch(`${baseUrl}/healthcheck`).then(() => true, () => false), 'Flower to accept connections', { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await flower?.stop('SIGTERM', 5000);
  await killAllChildren();
  await redis?.stop();
});

it('pages need the FLOWER_BASIC_AUTH credentials; /healthcheck does not', async () => {
  expect((await fetch(`${baseUrl}/workers`)).status).toBe(401);
  const wrong = `Basic ${Buffer.from('ops:wrong').toString('base64')}`;
  expect((await fetch(`${baseUrl}/workers`, { headers: { authorization: wrong } })).status).toBe(401);
  const right = `Basic ${Buffer.from(CREDENTIALS).toString('base64')}`;
  expect((await fetch(`${baseUrl}/workers`, { headers: { authorization: right } })).status).toBe(200);
  const health = await fetch(`${baseUrl}/healthcheck`);
  expect({ status: health.status, body: await health.text() }).toEqual({ status: 200, body: 'OK' });
  expect(healthcheck.join(' ')).toContain('/healthcheck');
}, 30_000);
