// celeriac beat against real Redis and a stock Python Celery worker: delivery, HA with two beats,
// and takeover after SIGKILL. Beat runs as `celeriac beat --schedule <file>` (bin/celeriac.js on dist/:
// `npm run build` first) in child processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { buildRunTaskId } from '../src/beat/build-beat-message';
import { buildBeatKeys } from '../src/transport/redis/redis-beat-lease';
import { decodeRedisEnvelope } from '../src/protocol/redis-envelope';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { CELERIAC_BIN } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { ManagedProcess } from './helpers/managed-process';
import { REPO_ROOT } from './helpers/python';
import { startPythonWorker } from './helpers/python-worker';
import { waitUntil } from './helpers/redis-probe';

let redis: RedisServer;
let broker: Redis;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-interop-'));
  redis = await startRedisServer();
  broker = new Redis(redis.url(1), { lazyConnect: false });
});

afterAll(async () => {
  await killAllChildren();
  await broker?.quit();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What one `celeriac beat` process is started with. */
interface BeatOptions {
  brokerUrl: string;
  /** A `beat_schedule` object, written to a JSON file for `--schedule`. */
  schedule: Record<string, unknown>;
  leaseMs: number;
  keyPrefix: string;
}

function startBeat(opts: BeatOptions, label: string): ManagedProcess {
  const file = join(dir, `${label.replace(/\W+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(opts.schedule));
  return new ManagedProcess({
    command: process.execPath, label, cwd: REPO_ROOT, env: { ...process.env, CELERY_BROKER_URL: opts.brokerUrl },
    args: [CELERIAC_BIN, 'beat', '--schedule', file, '--lease-ms', String(opts.leaseMs), '--key-prefix', opts.keyPrefix],
  });
}

const holdsLease = (line: string): boolean => line.includes('beat holds the lease');

/** Every message in a queue, oldest first, with its scheduled time (default expiry = runAt + period). */
async function sentRuns(queue: string, periodMs: number): Promise<{ id: string; runAtMs: number; fence: number }[]> {
  const raw = await broker.lrange(queue, 0, -1);
  return raw.reverse().map((text) => {
    const { envelope } = decodeRedisEnvelope(text);
    const h = envelope.headers as { id: string; expires: string; celeriac_beat_fence: number };
    return { id: h.id, runAtMs: Date.parse(h.expires) - periodMs, fence: h.celeriac_beat_fence };
  });
}

function tickEntry(queue: string): Record<string, unknown> {
  return { tick: { task: 'beat.record', schedule: 1, args: [queue], options: { queue } } };
}

it('a stock Python Celery worker runs the tasks beat sends', async () => {
  const records = new Redis(redis.url(3), { lazyConnect: false });
  const py = await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['beatpy'], pool: 'solo',
    concurrency: 1, appModule: 'beat_app', nodeName: 'beatpy@%h', env: { BEAT_RECORD_URL: redis.url(3) } });
  const beat = startBeat({ brokerUrl: redis.url(1), schedule: tickEntry('beatpy'), leaseMs: 3000, keyPrefix: 'p1' }, 'beat p1');
  try {
    const executed = await waitUntil(async () => {
      const list = await records.lrange('beat:executed', 0, -1);
      return list.length >= 3 ? list.map((s) => JSON.parse(s) as { id: string; label: string; expires: string | null; fence: unknown }) : undefined;
    }, 'three executions by the Python worker', { timeoutMs: 30_000 });
    expect(executed.map((e) => e.label)).toEqual(['beatpy', 'beatpy', 'beatpy']);
    expect(new Set(executed.map((e) => e.id)).size).toBe(executed.length);
    for (const e of executed) {
      // The id is the deterministic run id of the run the expires header implies (runAt + 1 s period).
      expect(e.id).toBe(buildRunTaskId('tick', new Date(Date.parse(e.expires!) - 1000)));
    }
    expect(await beat.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
    expect(await broker.get(buildBeatKeys('p1').lease)).toBeNull(); // released on clean shutdown
  } finally {
    await beat.kill();
    await py.stop('SIGTERM', 20_000);
    await records.quit();
  }
});

it('two beats side by side for a minute send each 1 s tick exactly once', async () => {
  const opts: BeatOptions = { brokerUrl: redis.url(1), schedule: tickEntry('haq'), leaseMs: 3000, keyPrefix: 'h2' };
  const a = startBeat(opts, 'beat h2-a');
  const b = startBeat(opts, 'beat h2-b');
  try {
    await waitUntil(async () => ((await broker.llen('haq')) >= 60 ? true : undefined), '60 ticks on haq', { timeoutMs: 90_000, maxIntervalMs: 500 });
    expect(a.exited || b.exited).toBe(false);
    await Promise.all([a.stop('SIGTERM', 10_000), b.stop('SIGTERM', 10_000)]);
    const runs = await sentRuns('haq', 1000);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    const gaps = runs.slice(1).map((r, i) => r.runAtMs - runs[i]!.runAtMs);
    expect(new Set(gaps)).toEqual(new Set([1000]));
    // Exactly one of them ever held the lease.
    expect([a, b].filter((p) => p.lines.some(holdsLease))).toHaveLength(1);
  } finally {
    await Promise.all([a.kill(), b.kill()]);
  }
});

it('when the lease holder is SIGKILLed the standby takes over within the lease, losing or doubling no tick beyond the bound', async () => {
  const leaseMs = 3000;
  const opts: BeatOptions = { brokerUrl: redis.url(1), schedule: tickEntry('koq'), leaseMs, keyPrefix: 'k3' };
  const a = startBeat(opts, 'beat k3-a');
  const b = startBeat(opts, 'beat k3-b');
  try {
    await waitUntil(async () => ((await broker.llen('koq')) >= 3 ? true : undefined), 'three ticks on koq', { timeoutMs: 30_000 });
    const [holder, standby] = a.lines.some(holdsLease) ? [a, b] : [b, a];
    await holder.kill();
    const killedAt = Date.now();
    const sentBeforeKill = await broker.llen('koq');
    await standby.waitForLine(holdsLease, 2 * leaseMs, 'takeover');
    const takeoverMs = Date.now() - killedAt;
    await waitUntil(async () => ((await broker.llen('koq')) >= sentBeforeKill + 3 ? true : undefined), 'three ticks after takeover', { timeoutMs: 30_000 });
    await standby.stop('SIGTERM', 10_000);
    const runs = await sentRuns('koq', 1000);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    // Documented bound: the lease (3 s) plus one renewal period (1 s) of ticks fold into one run.
    expect(takeoverMs).toBeLessThanOrEqual(leaseMs + leaseMs / 3 + 500);
    const gaps = runs.slice(1).map((r, i) => r.runAtMs - runs[i]!.runAtMs);
    expect(gaps.filter((g) => g !== 1000).length).toBeLessThanOrEqual(1);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(leaseMs + leaseMs / 3 + 1000);
    expect(Math.min(...gaps)).toBe(1000);
    expect(new Set(runs.map((r) => r.fence))).toEqual(new Set([1, 2]));
    process.stdout.write(`beat takeover after SIGKILL: ${takeoverMs} ms; ticks folded at takeover: ${Math.max(...gaps) / 1000 - 1}\n`);
  } finally {
    await Promise.all([a.kill(), b.kill()]);
  }
});
