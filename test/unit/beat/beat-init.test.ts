// beat_init: sent once by each beat when its scheduler is built, before the first tick (Celery's
// Service.start sends it before its loop), to sync and async receivers; a throwing one is logged.
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Signals } from '../../../src/app/signals';
import type { BeatLease, BeatStateStore, RunCommit } from '../../../src/beat/beat-state-store';
import { runBeatLoop } from '../../../src/beat/run-beat';
import { loadBeatSchedule } from '../../../src/beat/schedule-file';

/** In-memory lease and state store: always the leader; every commit recorded as sent. */
function memoryParts(order: string[], onCommit: () => void): { lease: BeatLease; store: BeatStateStore; commits: RunCommit[] } {
  const commits: RunCommit[] = [];
  const lease: BeatLease = {
    token: 'tok-1',
    acquire: () => { order.push('acquire'); return Promise.resolve(1); },
    renew: () => Promise.resolve(true),
    release: () => Promise.resolve(),
  };
  const store: BeatStateStore = {
    load: () => Promise.resolve(new Map()),
    commitRun: (commit) => { commits.push(commit); order.push('commit'); onCommit(); return Promise.resolve('sent'); },
  };
  return { lease, store, commits };
}

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('beat_init', () => {
  it('runs sync and async receivers (awaited, in order) before the first tick; a throwing receiver is logged and beat keeps sending', async () => {
    const order: string[] = [];
    const controller = new AbortController();
    const { lease, store, commits } = memoryParts(order, () => controller.abort());
    const { logger, lines } = capture();
    const signals = new Signals();
    const payloads: unknown[] = [];
    signals.connect('beat_init', (p) => { payloads.push(p); order.push('sync receiver'); });
    signals.connect('beat_init', async () => {
      await new Promise((r) => setImmediate(r));
      order.push('async receiver done');
    });
    signals.connect('beat_init', () => { throw new Error('receiver bug'); });
    const schedule = loadBeatSchedule({ tick: { task: 't.tick', schedule: 0.05, options: { queue: 'q1' } } }, 'UTC');
    await runBeatLoop(schedule, {
      lease, store, logger, leaseMs: 3000, now: () => Date.now(), signal: controller.signal, signals,
      sender: { origin: 'gen1@test', replyTo: 'oid-1', defaultQueue: 'celery' },
    }, { timezone: 'UTC', missedRunPolicy: 'run-once' });
    expect(order).toEqual(['sync receiver', 'async receiver done', 'acquire', 'commit']);
    expect(payloads).toEqual([{ hostname: hostname() }]);
    expect(lines.find((l) => l.msg === 'signal receiver failed')).toMatchObject({ signal: 'beat_init', err: { message: 'receiver bug' } });
    expect(commits.map((c) => c.entryName)).toEqual(['tick']);
  });

  it('is sent by a standby too, and only once however long it waits for the lease', async () => {
    const order: string[] = [];
    const controller = new AbortController();
    let polls = 0;
    const lease: BeatLease = {
      token: 'tok-2',
      acquire: () => { if (++polls === 3) controller.abort(); return Promise.resolve(null); },
      renew: () => Promise.resolve(false),
      release: () => Promise.resolve(),
    };
    const store: BeatStateStore = { load: () => Promise.resolve(new Map()), commitRun: () => Promise.resolve('not-leader') };
    const signals = new Signals();
    signals.connect('beat_init', () => { order.push('init'); });
    await runBeatLoop(loadBeatSchedule({}, 'UTC'), {
      lease, store, logger: pino({ level: 'silent' }), leaseMs: 300, now: () => Date.now(), signal: controller.signal, signals,
      sender: { origin: 'gen1@test', replyTo: 'oid-1', defaultQueue: 'celery' },
    }, { timezone: 'UTC', missedRunPolicy: 'run-once' });
    expect(polls).toBe(3);
    expect(order).toEqual(['init']);
  });
});
