// A beat on RabbitMQ: each run is claimed in the record, then published (confirmed), then marked
// confirmed; a run already recorded is never published again; a run the broker did not confirm is a
// typed error, stays claimed (at most once) and is named in a warning at the next load.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RunCommit } from '../../../../src/beat/beat-state-store';
import type { KombuMessage, Route } from '../../../../src/protocol/kombu-message';
import { AmqpBeatStateStore, type BeatRunRecord, type RecordedRun, type RunClaim } from '../../../../src/transport/amqp/amqp-beat-state-store';
import { TransportError } from '../../../../src/errors/celeriac-error';

/** An in-memory record with the same rules as the file and Redis ones. */
class MemoryRecord implements BeatRunRecord {
  readonly runs = new Map<string, RecordedRun>();
  constructor(private readonly token: string) {}
  load(): Promise<Map<string, RecordedRun>> { return Promise.resolve(new Map(this.runs)); }
  claim(c: RunClaim): Promise<'claimed' | 'already-sent' | 'not-leader'> {
    if (c.leaseToken !== this.token) return Promise.resolve('not-leader');
    const cur = this.runs.get(c.entryName);
    if (cur && cur.fingerprint === c.fingerprint && cur.lastRunAt.getTime() >= c.runAt.getTime()) return Promise.resolve('already-sent');
    this.runs.set(c.entryName, { lastRunAt: c.runAt, fingerprint: c.fingerprint, taskId: c.taskId, confirmed: false });
    return Promise.resolve('claimed');
  }
  confirm(entryName: string, taskId: string): Promise<void> {
    const cur = this.runs.get(entryName);
    if (cur?.taskId === taskId) cur.confirmed = true;
    return Promise.resolve();
  }
}

function commit(runAtMs: number, token = 'tok'): RunCommit {
  const message: KombuMessage = { body: Buffer.from('[]'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { id: `id-${runAtMs}` }, properties: {} };
  return { entryName: 'tick', runAt: new Date(runAtMs), fingerprint: 'fp', leaseToken: token, fence: 1, taskId: `id-${runAtMs}`, queue: 'q', message,
    route: { exchange: '', routingKey: 'q' } };
}

function logged(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk: Buffer, _e, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('AmqpBeatStateStore', () => {
  it('claims, publishes and confirms a run; the same run again is not published', async () => {
    const record = new MemoryRecord('tok');
    const published: Array<{ message: KombuMessage; route: Route }> = [];
    const store = new AmqpBeatStateStore(record, { connect: () => Promise.resolve(),
      publish: (message, route) => { published.push({ message, route }); return Promise.resolve(); } }, logged().logger);
    expect(await store.commitRun(commit(1000))).toBe('sent');
    expect(await store.commitRun(commit(1000))).toBe('already-sent');
    expect(await store.commitRun(commit(500))).toBe('already-sent');
    expect(await store.commitRun(commit(2000, 'other'))).toBe('not-leader');
    expect(published.map((p) => p.message.headers.id)).toEqual(['id-1000']);
    expect(published[0]?.route).toEqual({ exchange: '', routingKey: 'q' });
    expect(record.runs.get('tick')).toMatchObject({ taskId: 'id-1000', confirmed: true });
    expect(await store.load()).toEqual(new Map([['tick', { lastRunAt: new Date(1000), fingerprint: 'fp' }]]));
  });

  it('a publish the broker did not confirm is CELERIAC_BEAT_RUN_NOT_CONFIRMED, stays recorded, and is named at the next load', async () => {
    const record = new MemoryRecord('tok');
    const failing = { connect: () => Promise.resolve(), publish: () => Promise.reject(new TransportError('CELERIAC_TRANSPORT_PUBLISH_FAILED', 'channel closed')) };
    const store = new AmqpBeatStateStore(record, failing, logged().logger);
    const err = await store.commitRun(commit(3000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'CELERIAC_BEAT_RUN_NOT_CONFIRMED' });
    expect((err as Error).message).toContain('"tick"');
    expect((err as Error).message).toContain('id-3000');
    expect((err as Error).message).toContain('channel closed');
    expect(record.runs.get('tick')).toMatchObject({ taskId: 'id-3000', confirmed: false });
    // A later beat (restart) does not send it again, and says so.
    const log = logged();
    const restarted = new AmqpBeatStateStore(record, { connect: () => Promise.resolve(), publish: () => Promise.resolve() }, log.logger);
    expect((await restarted.load()).get('tick')?.lastRunAt).toEqual(new Date(3000));
    expect(await restarted.commitRun(commit(3000))).toBe('already-sent');
    expect(log.lines.filter((l) => l.level === 40)).toEqual([expect.objectContaining({ entry: 'tick', taskId: 'id-3000' })]);
  });

  it('claims nothing while the broker cannot be reached: the run stays due and is sent once it is back', async () => {
    const record = new MemoryRecord('tok');
    let up = false;
    const published: string[] = [];
    const store = new AmqpBeatStateStore(record, {
      connect: () => (up ? Promise.resolve() : Promise.reject(new TransportError('CELERIAC_TRANSPORT_UNREACHABLE', 'ECONNREFUSED'))),
      publish: (message) => { published.push(String(message.headers.id)); return Promise.resolve(); },
    }, logged().logger);
    await expect(store.commitRun(commit(4000))).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_UNREACHABLE' });
    expect(record.runs.size).toBe(0);
    up = true;
    expect(await store.commitRun(commit(4000))).toBe('sent');
    expect(published).toEqual(['id-4000']);
  });
});
