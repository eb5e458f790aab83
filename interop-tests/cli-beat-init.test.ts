// `celeriac beat -A app.js` sends the app's beat_init: an async receiver runs with the payload, a
// throwing one is logged, and beat goes on sending the schedule.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin/celeriac.js');

let redis: RedisServer;
let client: Redis;
let dir: string;
beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url(1));
  dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-init-'));
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('celeriac beat sends beat_init', () => {
  it('runs the app\'s receivers once at start (a throwing one logged) and keeps sending', async () => {
    const file = join(dir, 'beat-init.json');
    const child = spawn(process.execPath, [BIN, 'beat', '-A', 'interop-tests/fixtures/beat-init-app.js', '--lease-ms', '3000'],
      { cwd: ROOT, env: { ...process.env, CELERY_BROKER_URL: redis.url(1), BEAT_INIT_FILE: file } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The first run is sent after the receivers ran (beat awaits them before its first tick).
      expect(await client.brpop('beatinitq', 15)).not.toBeNull();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ hostname: hostname() });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const records = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = records.filter((r) => r.msg === 'signal receiver failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ signal: 'beat_init', err: { message: 'beat_init receiver bug' } });
    expect(records.some((r) => r.msg === 'beat sent task')).toBe(true);
  });
});
