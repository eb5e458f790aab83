// `celeriac beat` on a private RabbitMQ: the runs it sends are executed by a stock Python Celery worker
// (py-amqp) and by a celeriac worker; restarted (SIGTERM, then kill -9) on the same local state file it
// sends no run twice and resumes after the last one; with the Redis result backend as lease and record,
// two beats send each tick once and the standby takes over a SIGKILLed holder; RabbitMQ killed and
// restarted under a beat: nothing sent twice, sending resumes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createAmqpTransport } from '../src/transport/amqp/amqp-transport';
import { amqpTransportOptionsSchema } from '../src/transport/amqp/amqp-transport-options';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { DeliveryLog } from '../test/contract/transport-contract-context';
import { beatSentRuns, logRecords, startCeleriacBeat } from './helpers/celeriac-beat';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import type { ManagedProcess } from './helpers/managed-process';
import { REPO_ROOT } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe, waitUntil } from './helpers/redis-probe';

/** The celeriac side of beat_app.py: beat.record appends {id, label, by} to beat:executed. */
const APP_SOURCE = `
const Redis = require(${JSON.stringify(join(REPO_ROOT, 'node_modules', 'ioredis'))});
const { Celery } = require(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'index.js'))});
const app = new Celery('beatts');
const redis = new Redis(process.env.BEAT_RECORD_URL);
app.task('beat.record', async (task, label) => {
  await redis.rpush('beat:executed', JSON.stringify({ id: task.request.id, label, by: 'celeriac' }));
  return label;
}, { bind: true });
process.once('exit', () => redis.disconnect());
exports.default = app;
`;

let rabbit: RabbitMqServer;
let redis: RedisServer;
let dir: string;
let records: RedisProbe;
const workers: Array<CeleriacWorker | PythonWorker> = [];

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  dir = mkdtempSync(join(tmpdir(), 'celeriac-amqp-beat-'));
  writeFileSync(join(dir, 'beat-ts-app.js'), APP_SOURCE);
  records = new RedisProbe(redis.url(3), redis.url(3));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await killAllChildren();
  await records?.close();
  await rabbit?.stop();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** `celeriac beat --schedule <file>` on the private RabbitMQ. */
function startBeat(label: string, schedule: Record<string, unknown>, args: string[], env: Record<string, string>): ManagedProcess {
  return startCeleriacBeat(dir, label, schedule, args, { CELERY_BROKER_URL: rabbit.url('amqp'), ...env });
}


const waitSent = (proc: ManagedProcess, perEntry: number, entries: string[]): Promise<true> => waitUntil(async () => {
  const sent = beatSentRuns(proc);
  return entries.every((e) => sent.filter((r) => r.entry === e).length >= perEntry) ? true : undefined;
}, `${proc.label} to send ${perEntry} runs of ${entries.join(', ')}`, { timeoutMs: 30_000 });

const executed = async (): Promise<Array<{ id: string; label: string; by?: string }>> =>
  (await records.results.lrange('beat:executed', 0, -1)).map((s) => JSON.parse(s) as { id: string; label: string; by?: string });

it('sends runs a Python and a celeriac worker execute; restarted on its state file (SIGTERM, kill -9) it sends no run twice', async () => {
  const recordEnv = { BEAT_RECORD_URL: redis.url(3) };
  workers.push(await startPythonWorker({ brokerUrl: rabbit.url('pyamqp'), backendUrl: redis.url(2), queues: ['beatpy'], pool: 'solo', concurrency: 1,
    appModule: 'beat_app', nodeName: 'beatpy@%h', env: recordEnv }));
  workers.push(await startCeleriacWorker({ brokerUrl: rabbit.url('amqp'), backendUrl: redis.url(2), app: join(dir, 'beat-ts-app.js'),
    queues: ['beatts'], nodeName: 'beatts@%h', concurrency: 2, env: recordEnv }));
  const schedule = {
    'py-tick': { task: 'beat.record', schedule: 1, args: ['beatpy'], options: { queue: 'beatpy' } },
    'ts-tick': { task: 'beat.record', schedule: 1, args: ['beatts'], options: { queue: 'beatts' } },
  };
  const stateFile = join(dir, 'state.json');
  // No Redis backend: the run record is the local state file (and its lock file).
  const env = { CELERY_RESULT_BACKEND: 'disabled', CELERY_BEAT_SCHEDULE_FILENAME: stateFile };
  const entries = ['py-tick', 'ts-tick'];

  const first = startBeat('beat-file-1', schedule, [], env);
  await waitSent(first, 3, entries);
  expect(await first.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
  expect(existsSync(`${stateFile}.lock`)).toBe(false); // released on a clean stop
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { entries: Record<string, { task_id: string; confirmed: boolean }> };
  for (const e of entries) {
    const last = beatSentRuns(first).filter((r) => r.entry === e).pop();
    expect(state.entries[e]).toMatchObject({ task_id: last?.taskId, confirmed: true });
  }

  const second = startBeat('beat-file-2', schedule, [], env);
  await waitSent(second, 2, entries);
  await second.kill(); // its lock file stays behind: the next beat takes it over (same host, pid gone)
  const third = startBeat('beat-file-3', schedule, [], env);
  await waitSent(third, 2, entries);
  expect(third.lines.some((l) => l.includes('beat removes a lock file left by a stopped beat'))).toBe(true);
  expect(await third.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });

  const beats = [first, second, third];
  const all = beats.flatMap(beatSentRuns);
  expect(new Set(all.map((r) => r.taskId)).size).toBe(all.length);
  for (const e of entries) {
    // Each beat resumes after the last run the one before it sent: run times only grow.
    const times = beats.map((b) => beatSentRuns(b).filter((r) => r.entry === e).map((r) => r.runAtMs));
    for (let i = 1; i < times.length; i++) expect(Math.min(...times[i]!)).toBeGreaterThan(Math.max(...times[i - 1]!));
  }
  // Every run sent was executed, once, by the worker of its queue.
  const done = await waitUntil(async () => {
    const list = await executed();
    return all.every((r) => list.some((x) => x.id === r.taskId)) ? list : undefined;
  }, 'every sent run to be executed', { timeoutMs: 30_000 });
  expect(new Set(done.map((x) => x.id)).size).toBe(done.length);
  const byId = new Map(done.map((x) => [x.id, x]));
  for (const r of all) {
    expect(byId.get(r.taskId)).toMatchObject(r.entry === 'py-tick' ? { label: 'beatpy' } : { label: 'beatts', by: 'celeriac' });
  }
  expect(byId.get(all.find((r) => r.entry === 'py-tick')!.taskId)?.by).toBeUndefined(); // Python's record has no `by`
}, 240_000);

it('with the Redis result backend as lease and record, two beats send each tick once; the standby takes over a SIGKILLed holder', async () => {
  const leaseMs = 3000;
  const schedule = { tick: { task: 'beat.record', schedule: 1, args: ['haq'], options: { queue: 'amqp-haq' } } };
  const env = { CELERY_RESULT_BACKEND: redis.url(2) };
  const args = ['--lease-ms', String(leaseMs), '--key-prefix', 'amqpha'];
  // Consume from the start: each run carries an AMQP expiration (its next run), so RabbitMQ drops it
  // from a queue nobody reads once it is stale.
  const transport = createAmqpTransport(rabbit.url(), amqpTransportOptionsSchema.parse({}), pino({ level: 'silent' }));
  await transport.connect();
  await transport.declareQueue('amqp-haq', { exchange: 'amqp-haq', routingKey: 'amqp-haq' });
  const log = new DeliveryLog();
  await transport.consume(['amqp-haq'], 0, (d) => { log.push(d); void d.ack(); });
  const a = startBeat('beat-ha-a', schedule, args, env);
  const b = startBeat('beat-ha-b', schedule, args, env);
  const holdsLease = (line: string): boolean => line.includes('beat holds the lease');
  try {
    await waitUntil(async () => ([a, b].some((p) => beatSentRuns(p).length >= 3) ? true : undefined), 'three ticks sent', { timeoutMs: 30_000 });
    const [holder, standby] = a.lines.some(holdsLease) ? [a, b] : [b, a];
    expect(standby.lines.some(holdsLease)).toBe(false);
    await holder.kill();
    const killedAt = Date.now();
    await standby.waitForLine(holdsLease, 3 * leaseMs, 'takeover by the standby');
    process.stdout.write(`beat on RabbitMQ, Redis-backend lease ${leaseMs} ms: takeover ${Date.now() - killedAt} ms after SIGKILL\n`);
    await waitSent(standby, 3, ['tick']);
    expect(await standby.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });

    // What RabbitMQ delivered: each run once, every run both beats logged, from two lease holders.
    const sent = [...beatSentRuns(holder), ...beatSentRuns(standby)];
    const got = await log.until(sent.length, 15_000);
    const ids = got.map((d) => String(d.message.headers.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(sent.map((r) => r.taskId)));
    expect(new Set(got.map((d) => d.message.headers.celeriac_beat_fence))).toEqual(new Set([1, 2]));
    const backend = new RedisProbe(redis.url(2), redis.url(2));
    try {
      expect(JSON.parse(await backend.results.hget('amqpha.last_run', 'tick') ?? '{}')).toMatchObject({ fence: 2 });
      expect(await backend.results.hget('amqpha.confirmed', 'tick')).toBe(beatSentRuns(standby).pop()?.taskId);
      expect(await backend.results.get('amqpha.lease')).toBeNull(); // released on a clean stop
    } finally {
      await backend.close();
    }
  } finally {
    await Promise.all([a.kill(), b.kill()]);
    await transport.close();
  }
}, 240_000);

it('RabbitMQ killed and restarted under a beat: no run is sent twice and sending resumes once the broker is back', async () => {
  const queue = 'amqp-outage';
  const transport = createAmqpTransport(rabbit.url(), amqpTransportOptionsSchema.parse({}), pino({ level: 'silent' }));
  await transport.connect();
  await transport.declareQueue(queue, { exchange: queue, routingKey: queue });
  const log = new DeliveryLog();
  await transport.consume([queue], 0, (d) => { log.push(d); void d.ack(); }); // consumes again after the restart
  const beat = startBeat('beat-outage', { tick: { task: 'beat.record', schedule: 1, args: ['outage'], options: { queue } } }, [],
    { CELERY_RESULT_BACKEND: 'disabled', CELERY_BEAT_SCHEDULE_FILENAME: `${dir}/outage-state.json` });
  try {
    await waitSent(beat, 2, ['tick']);
    await rabbit.killAndRestart();
    const before = beatSentRuns(beat).length;
    await waitUntil(async () => (beatSentRuns(beat).length >= before + 3 ? true : undefined), 'three runs sent after the restart', { timeoutMs: 60_000 });
    expect(await beat.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
    const sent = beatSentRuns(beat);
    expect(new Set(sent.map((r) => r.taskId)).size).toBe(sent.length);
    const runAts = sent.map((r) => r.runAtMs);
    expect(runAts.slice(1).every((t, i) => t > runAts[i]!)).toBe(true);
    // What RabbitMQ delivered: no id twice. Runs published after the restart all arrive; a run published
    // just before the kill may have been lost with the broker's unsynced state, which is RabbitMQ's bound.
    await waitUntil(async () => (sent.slice(before).every((r) => log.items.some((d) => d.message.headers.id === r.taskId)) ? true : undefined),
      'the runs sent after the restart to be delivered', { timeoutMs: 30_000 });
    const ids = log.items.map((d) => String(d.message.headers.id));
    expect(new Set(ids).size).toBe(ids.length);
    const outage = logRecords(beat).filter((r) => r.msg === 'beat step failed; retrying').length;
    process.stdout.write(`beat across a RabbitMQ kill/restart: ${sent.length} runs sent, ${outage} failed steps logged, ${ids.length} delivered\n`);
  } finally {
    await beat.kill();
    await transport.close();
  }
}, 180_000);
