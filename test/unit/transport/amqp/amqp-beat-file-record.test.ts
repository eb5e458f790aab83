// The local state file of a beat on RabbitMQ without a Redis backend, and its lock file: runs survive
// a restart, only the lock holder records, a lock left by a dead beat is taken over, a live one is not,
// and a file that is not a beat state file is refused, never overwritten.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AmqpBeatFileLease } from '../../../../src/transport/amqp/amqp-beat-file-lease';
import { AmqpBeatFileRecord, BEAT_STATE_FORMAT } from '../../../../src/transport/amqp/amqp-beat-file-record';
import type { RunClaim } from '../../../../src/transport/amqp/amqp-beat-state-store';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-file-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

const silent = pino({ level: 'silent' });

/** A state file with its lock, as openAmqpBeatBroker wires them. */
function open(file: string, isAlive: (pid: number) => boolean = () => true): { record: AmqpBeatFileRecord; lease: AmqpBeatFileLease } {
  const record: AmqpBeatFileRecord = new AmqpBeatFileRecord(file, async (token: string): Promise<boolean> => token === lease.token && (await lease.renew()));
  const lease: AmqpBeatFileLease = new AmqpBeatFileLease(`${file}.lock`, record, silent, isAlive);
  return { record, lease };
}

const claim = (token: string, runAtMs: number, taskId = `t-${runAtMs}`): RunClaim =>
  ({ entryName: 'nightly', runAt: new Date(runAtMs), fingerprint: 'fp1', leaseToken: token, fence: 1, taskId });

describe('AmqpBeatFileRecord + AmqpBeatFileLease', () => {
  it('records runs in the file; a restarted beat loads them and does not claim a recorded run again', async () => {
    const file = join(dir, 'state.json');
    const a = open(file);
    expect(await a.lease.acquire()).toBe(1);
    expect(await a.record.claim(claim(a.lease.token, 60_000))).toBe('claimed');
    await a.record.confirm('nightly', 't-60000');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: BEAT_STATE_FORMAT, fence: 1, entries: { nightly: {
      last_run_at: new Date(60_000).toISOString(), last_run_ms: 60_000, fingerprint: 'fp1', fence: 1, task_id: 't-60000', confirmed: true } } });
    await a.lease.release();

    const b = open(file);
    expect(await b.lease.acquire()).toBe(2); // a new holder: the next fencing number
    expect(await b.record.load()).toEqual(new Map([['nightly', { lastRunAt: new Date(60_000), fingerprint: 'fp1', taskId: 't-60000', confirmed: true }]]));
    expect(await b.record.claim(claim(b.lease.token, 60_000))).toBe('already-sent');
    expect(await b.record.claim(claim(b.lease.token, 120_000))).toBe('claimed');
    expect((await b.record.load()).get('nightly')).toMatchObject({ taskId: 't-120000', confirmed: false });
  });

  it('one holder at a time: a second beat stands by while the first lives and takes over once its pid is gone', async () => {
    const file = join(dir, 'state.json');
    let firstAlive = true;
    const first = open(file);
    const second = open(file, () => firstAlive);
    expect(await first.lease.acquire()).toBe(1);
    expect(await first.lease.acquire()).toBe(1); // re-confirmed, same fence
    expect(await second.lease.acquire()).toBeNull();
    expect(await second.record.claim(claim(second.lease.token, 1000))).toBe('not-leader');
    firstAlive = false; // killed with -9: its lock file stays behind
    expect(await second.lease.acquire()).toBe(2);
    expect(await first.lease.renew()).toBe(false);
    expect(await first.record.claim(claim(first.lease.token, 1000))).toBe('not-leader');
    expect(await second.record.claim(claim(second.lease.token, 1000))).toBe('claimed');
  });

  it('never takes over a lock of another host, even when that pid is not running here', async () => {
    const file = join(dir, 'state.json');
    writeFileSync(`${file}.lock`, JSON.stringify({ token: 'x', pid: 999_999, hostname: `not-${hostname()}`, since: '2026-01-01T00:00:00Z' }));
    const b = open(file, () => false);
    expect(await b.lease.acquire()).toBeNull();
  });

  it('refuses a file that is not a beat state file (e.g. Python beat\'s shelve) with a stable code, and leaves it alone', async () => {
    const file = join(dir, 'celerybeat-schedule');
    writeFileSync(file, 'not json at all');
    const b = open(file);
    await expect(b.lease.acquire()).rejects.toMatchObject({ code: 'CELERIAC_BEAT_STATE_UNREADABLE' });
    writeFileSync(file, JSON.stringify({ format: 'other/1', entries: {} }));
    await expect(b.record.load()).rejects.toThrow(/is not a celeriac-beat-state\/1 file/);
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ format: 'other/1', entries: {} }));
  });
});
