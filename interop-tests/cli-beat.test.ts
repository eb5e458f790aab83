import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { decodeRedisEnvelope } from '../src/protocol/redis-envelope';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin/celeriac.js');

let redis: RedisServer;
let client: Redis;
let dir: string;
beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url(1));
  dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-cli-'));
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('celeriac beat (CLI)', () => {
  it('sends the app schedule to the broker and stops cleanly on SIGTERM', async () => {
    const beat = run(['beat', '-A', 'interop-tests/fixtures/beat-app.js', '--lease-ms', '3000'], { CELERY_BROKER_URL: redis.url(1) });
    try {
      const raw = await client.brpop('beatq', 15);
      expect(raw).not.toBeNull();
      const { message } = decodeRedisEnvelope(raw?.[1] ?? '');
      expect(message.headers.task).toBe('tapp.add');
      expect(JSON.parse(message.body.toString())[0]).toEqual([1, 2]);
    } finally {
      beat.child.kill('SIGTERM');
    }
    expect(await beat.exited).toBe(0);
  });

  it('lists every problem of a bad schedule file with its line and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'cleanup:\n  task: tasks.cleanup\n  schedule:\n    crontab: { minute: "61", hour: "2" }\nreport:\n  schedule: 30\n');
    const beat = run(['beat', '--schedule', file], { CELERY_BROKER_URL: redis.url(1) });
    expect(await beat.exited).toBe(2);
    expect(beat.err()).toMatch(/invalid beat schedule/);
    expect(beat.err()).toMatch(/cleanup/);
    expect(beat.err()).toMatch(/61/);
    expect(beat.err()).toMatch(/report/);
    expect(beat.err()).not.toMatch(/\n\s+at /);
  });

  it('refuses a broker it cannot keep its exactly-once record on, by name, without the password, and exits 1', async () => {
    const beat = run(['beat', '-A', 'interop-tests/fixtures/beat-app.js', '-b', 'sqs://key:s3cret@127.0.0.1:9324/']);
    expect(await beat.exited).toBe(1);
    expect(beat.err()).toMatch(/beat cannot run on broker sqs:\/\/key:\*\*\*@127\.0\.0\.1:9324/);
    expect(beat.out() + beat.err()).not.toMatch(/s3cret/);
  });
});

// `celeriac beat -A app.js` sends the app's beat_init: an async receiver runs with the payload, a
// throwing one is logged, and beat goes on sending the schedule.
describe('celeriac beat sends beat_init', () => {
  it('runs the app\'s receivers once at start (a throwing one logged) and keeps sending', async () => {
    const file = join(dir, 'beat-init.json');
    const beat = run(['beat', '-A', 'interop-tests/fixtures/beat-init-app.js', '--lease-ms', '3000'], { CELERY_BROKER_URL: redis.url(1), BEAT_INIT_FILE: file });
    try {
      // The first run is sent after the receivers ran (beat awaits them before its first tick).
      expect(await client.brpop('beatinitq', 15)).not.toBeNull();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ hostname: hostname() });
    } finally {
      beat.child.kill('SIGTERM');
    }
    expect(await beat.exited).toBe(0);
    const records = beat.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = records.filter((r) => r.msg === 'signal receiver failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ signal: 'beat_init', err: { message: 'beat_init receiver bug' } });
    expect(records.some((r) => r.msg === 'beat sent task')).toBe(true);
  });
});
