import Redis from 'ioredis';
import { buildScheduleFingerprint, type BeatEntry } from '../../../../src/beat/beat-entry';
import { buildBeatMessage, buildRunTaskId } from '../../../../src/beat/build-beat-message';
import { decodeRedisEnvelope } from '../../../../src/protocol/redis-envelope';
import { buildBeatKeys, RedisBeatLease, RedisBeatStateStore } from '../../../../src/transport/redis/redis-beat-lease';
import { buildRedisKeys } from '../../../../src/transport/redis/redis-keys';
import { defaultRedisTransportOptions } from '../../../../src/transport/redis/redis-transport-options';
import { startRedisServer, type RedisServer } from '../../../helpers/redis-server';

let server: RedisServer;
let client: Redis;
let other: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url(), { lazyConnect: false });
  other = new Redis(server.url(), { lazyConnect: false });
});
afterAll(async () => {
  await Promise.all([client.quit(), other.quit()]);
  await server.stop();
});

const entry: BeatEntry = {
  name: 'tick', task: 'tapp.tick', schedule: { kind: 'interval', everyMs: 1000 }, args: [1, 'a'], kwargs: { k: true },
  options: { queue: 'beatq', priority: 5 }, fingerprint: buildScheduleFingerprint({ kind: 'interval', everyMs: 1000 }, 'UTC'),
};
const kombuKeys = buildRedisKeys(defaultRedisTransportOptions, 0);
const sender = { origin: 'gen1@test', replyTo: 'reply-oid', defaultQueue: 'celery' };

describe('RedisBeatLease', () => {
  it('lets one holder in, re-confirms it, fences each new holder, and releases', async () => {
    const keys = buildBeatKeys('t1');
    const a = new RedisBeatLease(client, 5000, keys);
    const b = new RedisBeatLease(other, 5000, keys);
    expect(await a.acquire()).toBe(1);
    expect(await b.acquire()).toBeNull();
    expect(await a.acquire()).toBe(1); // re-entrant, same fence
    expect(await a.renew()).toBe(true);
    expect(await b.renew()).toBe(false);
    await b.release(); // not b's: no effect
    expect(await client.get(keys.lease)).toBe(a.token);
    expect(await client.pttl(keys.lease)).toBeGreaterThan(4000);
    await a.release();
    expect(await b.acquire()).toBe(2);
    expect(await a.renew()).toBe(false);
  });

  it('expires when not renewed, so a standby takes over', async () => {
    const keys = buildBeatKeys('t2');
    const a = new RedisBeatLease(client, 150, keys);
    const b = new RedisBeatLease(other, 150, keys);
    expect(await a.acquire()).toBe(1);
    const started = Date.now();
    let fence: number | null = null;
    while (fence === null) fence = await b.acquire(); // polls Redis until the PX lease lapses
    expect(fence).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('RedisBeatStateStore.commitRun', () => {
  it('records and publishes a run once, refuses a stale holder, and loads state back', async () => {
    const keys = buildBeatKeys('t3');
    const lease = new RedisBeatLease(client, 5000, keys);
    const store = new RedisBeatStateStore(client, kombuKeys, keys);
    const fence = (await lease.acquire())!;
    const runAt = new Date('2024-01-01T00:00:01Z');
    const now = new Date('2024-01-01T00:00:01.250Z');
    const delivery = buildBeatMessage({ entry, runAt, expiresAt: new Date('2024-01-01T00:00:02Z'), coalesced: false }, sender, fence, now);
    const commit = { entryName: 'tick', runAt, fingerprint: entry.fingerprint, leaseToken: lease.token, fence, taskId: delivery.taskId,
      queue: delivery.queue, message: delivery.message, route: delivery.route };

    expect(await store.commitRun(commit)).toBe('sent');
    expect(await store.commitRun(commit)).toBe('already-sent');
    expect(await store.commitRun({ ...commit, runAt: new Date('2024-01-01T00:00:00Z') })).toBe('already-sent');
    expect(await store.commitRun({ ...commit, runAt: new Date('2024-01-01T00:00:02Z'), leaseToken: 'someone-else' })).toBe('not-leader');
    expect(await client.llen('beatq\x06\x163')).toBe(1);

    expect(await store.load()).toEqual(new Map([['tick', { lastRunAt: runAt, fingerprint: entry.fingerprint }]]));
    expect(JSON.parse((await client.hget(keys.lastRun, 'tick'))!)).toEqual({
      last_run_at: '2024-01-01T00:00:01.000Z', last_run_ms: runAt.getTime(), fingerprint: entry.fingerprint, fence, task_id: delivery.taskId,
    });
    // A changed schedule (other fingerprint) may send the same instant again.
    expect(await store.commitRun({ ...commit, fingerprint: 'changed' })).toBe('sent');
  });

  it('pushes a protocol v2 envelope a Python worker accepts, on the priority bucket key, as the transport publishes', async () => {
    const keys = buildBeatKeys('t4');
    const lease = new RedisBeatLease(client, 5000, keys);
    const store = new RedisBeatStateStore(client, kombuKeys, keys, () => 'tag-1');
    const fence = (await lease.acquire())!;
    const runAt = new Date('2024-01-01T00:00:01Z');
    const d = buildBeatMessage({ entry, runAt, expiresAt: new Date('2024-01-01T00:00:02Z'), coalesced: false }, sender, fence, new Date('2024-01-01T00:00:01.250Z'));
    expect(d.taskId).toBe(buildRunTaskId('tick', runAt));
    expect(d.taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await client.del('beatq\x06\x163');
    expect(await store.commitRun({ entryName: 'tick', runAt, fingerprint: entry.fingerprint, leaseToken: lease.token, fence, taskId: d.taskId,
      queue: d.queue, message: d.message, route: d.route })).toBe('sent');
    const pushed = await client.lrange('beatq\x06\x163', 0, -1);
    expect(pushed).toHaveLength(1);
    const { envelope, message } = decodeRedisEnvelope(pushed[0]!);
    expect(envelope.headers).toMatchObject({ task: 'tapp.tick', id: d.taskId, root_id: d.taskId, eta: null, expires: '2024-01-01T00:00:02+00:00', retries: 0, origin: 'gen1@test', celeriac_beat_fence: fence });
    expect(envelope.properties).toEqual({
      correlation_id: d.taskId, reply_to: 'reply-oid', delivery_mode: 2, expiration: '750',
      delivery_info: { exchange: '', routing_key: 'beatq' }, priority: 5, body_encoding: 'base64', delivery_tag: 'tag-1',
    });
    expect(JSON.parse(message.body.toString())).toEqual([[1, 'a'], { k: true }, { callbacks: null, errbacks: null, chain: null, chord: null }]);
  });
});
