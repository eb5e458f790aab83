import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
});
