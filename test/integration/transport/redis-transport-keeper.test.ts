import Redis from 'ioredis';
import pino from 'pino';
import { createRedisTransport, type RedisTransport } from '../../../src/transport/redis/redis-transport';
import { DeliveryLog, textMessage } from '../../contract/transport-contract';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

// The Redis transport keeps what it holds from redelivery (beyond kombu, whose unacked_index score is
// written once): every visibility_timeout / 3 the score of each held delivery becomes now, so no
// worker's visibility sweep restores it; settled ones are never resurrected.
let server: RedisServer;
let admin: Redis;
const open: RedisTransport[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.port, '127.0.0.1', { db: 1 });
});
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  await admin.quit();
  await server.stop();
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('refreshes held deliveries every third of the visibility timeout, so a peer sweep restores none of them', async () => {
  const holder = createRedisTransport(server.url(1), { visibilityTimeoutSec: 0.6 }, pino({ level: 'silent' }));
  const sweeper = createRedisTransport(server.url(1), { visibilityTimeoutSec: 0.6 }, pino({ level: 'silent' }));
  open.push(holder, sweeper);
  await holder.declareQueue('keep', { exchange: 'keep', routingKey: 'keep' });
  for (const body of ['held', 'acked']) await holder.publish(textMessage(body), { exchange: 'keep', routingKey: 'keep' });
  const log = new DeliveryLog();
  const consumer = await holder.consume(['keep'], 2, log.push);
  const [held, acked] = await log.until(2);
  const first = Number(await admin.zscore('unacked_index', held?.deliveryTag as string));
  await acked?.ack();
  // Two refresh periods later the held tag's score moved on; the acked one stayed gone.
  await until(async () => Number(await admin.zscore('unacked_index', held?.deliveryTag as string)) > first + 0.3, 'a refreshed score');
  expect(await admin.zscore('unacked_index', acked?.deliveryTag as string)).toBeNull();
  // Well past the timeout since delivery, a peer's sweep finds nothing old enough to restore.
  await until(async () => (Date.now() / 1000) - first > 1.5, 'the visibility timeout to pass twice');
  expect(await sweeper.restoreVisible()).toBe(0);
  expect(await admin.hexists('unacked', held?.deliveryTag as string)).toBe(1);
  await held?.ack();
  await consumer.stop();
  expect(await admin.hlen('unacked')).toBe(0);
});
