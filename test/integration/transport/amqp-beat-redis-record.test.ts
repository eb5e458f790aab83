// The run record of a beat on RabbitMQ in the Redis result backend (private redis-server): a claim
// needs the Redis lease, a recorded run is not claimed again (by this beat or the next holder), the
// confirm is kept beside it, and load tells confirmed runs from claimed-only ones.
import Redis from 'ioredis';
import { AmqpBeatRedisRecord } from '../../../src/transport/amqp/amqp-beat-redis-record';
import type { RunClaim } from '../../../src/transport/amqp/amqp-beat-state-store';
import { buildBeatKeys, RedisBeatLease } from '../../../src/transport/redis/redis-beat-lease';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

let server: RedisServer;
let client: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url(2));
});
afterAll(async () => {
  client.disconnect();
  await server.stop();
});

const claim = (token: string, runAtMs: number, fence: number): RunClaim =>
  ({ entryName: 'tick', runAt: new Date(runAtMs), fingerprint: 'fp', leaseToken: token, fence, taskId: `t-${runAtMs}` });

it('claims under the lease only, once per run, and loads what was confirmed', async () => {
  const keys = buildBeatKeys('rec1');
  const record = new AmqpBeatRedisRecord(client, keys);
  const a = new RedisBeatLease(client, 5000, keys);
  const b = new RedisBeatLease(client, 5000, keys);
  expect(await record.claim(claim(a.token, 1000, 1))).toBe('not-leader'); // nobody holds the lease yet
  expect(await a.acquire()).toBe(1);
  expect(await b.acquire()).toBeNull();
  expect(await record.claim(claim(b.token, 1000, 1))).toBe('not-leader');
  expect(await record.claim(claim(a.token, 1000, 1))).toBe('claimed');
  expect(await record.claim(claim(a.token, 1000, 1))).toBe('already-sent');
  await record.confirm('tick', 't-1000');
  expect(await record.claim(claim(a.token, 2000, 1))).toBe('claimed'); // not confirmed: the beat "died" here
  await a.release();

  expect(await b.acquire()).toBe(2);
  expect(await record.claim(claim(b.token, 2000, 2))).toBe('already-sent'); // the next holder does not send it again
  expect(await record.load()).toEqual(new Map([['tick', { lastRunAt: new Date(2000), fingerprint: 'fp', taskId: 't-2000', confirmed: false }]]));
  expect(await client.hget('rec1.confirmed', 'tick')).toBe('t-1000');
  expect(JSON.parse(await client.hget('rec1.last_run', 'tick') ?? '{}')).toMatchObject({ last_run_ms: 2000, fence: 1, task_id: 't-2000' });
});
