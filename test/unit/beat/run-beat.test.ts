import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import pino from 'pino';
import { runBeat } from '../../../src/beat/run-beat';
import { loadBeatSchedule } from '../../../src/beat/schedule-file';
import { main } from '../../../src/cli/main';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import { freePort } from '../../helpers/free-port';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

/** A pino logger whose records land in `records`; `waitFor` resolves on the first matching message. */
function capturingLogger(): { logger: pino.Logger; records: Record<string, unknown>[]; waitFor(msg: string, count?: number): Promise<void> } {
  const records: Record<string, unknown>[] = [];
  const waiters: { msg: string; count: number; resolve: () => void }[] = [];
  const seen = (msg: string): number => records.filter((r) => r.msg === msg).length;
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const rec = JSON.parse(chunk.toString()) as Record<string, unknown>;
      records.push(rec);
      for (const w of waiters.filter((x) => x.msg === rec.msg && seen(x.msg) >= x.count)) w.resolve();
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    records,
    waitFor: (msg, count = 1) => new Promise<void>((resolve) => {
      if (seen(msg) >= count) return resolve();
      waiters.push({ msg, count, resolve });
    }),
  };
}

describe('runBeat', () => {
  let server: RedisServer;
  let probe: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    probe = new Redis(server.url(), { lazyConnect: false });
  });
  afterAll(async () => {
    await probe.quit();
    await server.stop();
  });

  async function runUntilSent(count: number, prefix: string, extra: Partial<Parameters<typeof runBeat>[0]> = {}): Promise<void> {
    const controller = new AbortController();
    const log = capturingLogger();
    const running = runBeat({ brokerUrl: server.url(), schedule: loadBeatSchedule({ tick: { task: 't.tick', schedule: 0.5, options: { queue: 'rq' } } }, 'UTC'),
      logger: log.logger, leaseMs: 1500, keyPrefix: prefix, signal: controller.signal, ...extra });
    await log.waitFor('beat sent task', count);
    controller.abort();
    await running;
  }

  it('resumes from Redis state after a restart: no run repeated, none skipped', async () => {
    await runUntilSent(3, 'r1');
    await runUntilSent(3, 'r1');
    const headers = (await probe.lrange('rq', 0, -1)).reverse().map((t) => decodeRedisEnvelope(t).envelope.headers as { id: string; expires: string });
    expect(headers).toHaveLength(6);
    expect(new Set(headers.map((h) => h.id)).size).toBe(6);
    const runAts = headers.map((h) => Date.parse(h.expires) - 500);
    expect(runAts.slice(1).map((t, i) => t - runAts[i]!)).toEqual([500, 500, 500, 500, 500]);
    expect(await probe.get('r1.lease')).toBeNull();
  });

  it('names queue keys with the broker transport options (global_keyprefix, sep, priority steps)', async () => {
    await runUntilSent(1, 'r2', { brokerTransportOptions: { global_keyprefix: 'pfx:' } });
    expect(await probe.llen('pfx:rq')).toBe(1);
  });

  it('keeps retrying, without throwing, while the broker is unreachable, and stops on abort', async () => {
    const controller = new AbortController();
    const log = capturingLogger();
    const running = runBeat({ brokerUrl: `redis://127.0.0.1:${await freePort()}/0`, schedule: [], logger: log.logger, leaseMs: 600, signal: controller.signal });
    await log.waitFor('beat step failed; retrying');
    controller.abort();
    await expect(running).resolves.toBeUndefined();
    expect(log.records.find((r) => r.msg === 'beat step failed; retrying')).toMatchObject({ level: 50, failures: 1 });
  });
});

describe('celeriac beat with a bad schedule', () => {
  it('prints every schedule problem and returns exit code 2 without connecting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-bad-'));
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const file = join(dir, 'schedule.json');
      writeFileSync(file, JSON.stringify({ a: { task: 't', schedule: '0 2 * *' }, b: { task: 't', schedule: { crontab: { hour: 'x' } } } }));
      const code = await main(['beat', '--schedule', file, '-b', 'redis://127.0.0.1:1/0'], {});
      expect(code).toBe(2);
      const text = write.mock.calls.map((c) => String(c[0])).join('');
      expect(text).toContain('entry "a": schedule: "0 2 * *" has 4 fields');
      expect(text).toContain('entry "b": schedule.crontab: hour: "x"');
    } finally {
      write.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
