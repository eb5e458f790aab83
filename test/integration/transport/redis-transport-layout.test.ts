import Redis from 'ioredis';
import pino from 'pino';
import { encodePythonJson } from '../../../src/protocol/python-json';
import type { Delivery } from '../../../src/transport/transport';
import { createRedisTransport, type RedisTransport } from '../../../src/transport/redis/redis-transport';
import type { RedisTransportOptions } from '../../../src/transport/redis/redis-transport-options';
import { DeliveryLog, textMessage } from '../../contract/transport-contract';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

const SEP = '\x06\x16';
let server: RedisServer;
let admin: Redis;
let open: RedisTransport[] = [];
let db = 0;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.port, '127.0.0.1');
});
afterAll(async () => {
  await admin.quit();
  await server.stop();
});
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

/** A transport on a fresh database of the private server, plus an admin client on that database. */
async function setup(options: Partial<RedisTransportOptions> = {}): Promise<{ t: RedisTransport; r: Redis }> {
  db += 1;
  const t = createRedisTransport(server.url(db), options, pino({ level: 'silent' }));
  open.push(t);
  await t.connect();
  await admin.select(db);
  return { t, r: admin };
}

/** Consumes one delivery, then stops the consumer so nothing else is popped. */
async function consumeOne(t: RedisTransport, queue: string): Promise<Delivery> {
  const log = new DeliveryLog();
  const consumer = await t.consume([queue], 1, log.push);
  const [d] = await log.until(1);
  await consumer.stop();
  return d as Delivery;
}

/** Waits until `check` holds (re-checked every 5 ms, for at most 3 s): waits on a state change, not a fixed delay. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 3000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('RedisTransport wire layout (kombu)', () => {
  it('LPUSHes the envelope with kombu properties into the priority sub-key', async () => {
    const { t, r } = await setup();
    await t.publish(textMessage('hi', 5), { exchange: '', routingKey: 'q' });
    expect(await r.keys('*')).toEqual([`q${SEP}3`]);
    const raw = (await r.lrange(`q${SEP}3`, 0, -1))[0] as string;
    const env = JSON.parse(raw) as { properties: Record<string, unknown> };
    expect(Object.keys(env)).toEqual(['body', 'content-encoding', 'content-type', 'headers', 'properties']);
    expect(Object.keys(env.properties)).toEqual(['delivery_mode', 'priority', 'delivery_info', 'body_encoding', 'delivery_tag']);
    expect(env.properties).toMatchObject({ priority: 5, body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'q' } });
    expect(env.properties.delivery_tag).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(raw).toBe(encodePythonJson(env));
    expect(raw).toContain('"body": "aGk="');
  });

  it('records a delivery in unacked as [envelope, exchange, rk] and unacked_index with a float time; ack removes both', async () => {
    const { t, r } = await setup();
    await t.publish(textMessage('x'), { exchange: '', routingKey: 'q' });
    const raw = (await r.lrange('q', 0, -1))[0] as string;
    const before = Date.now() / 1000;
    const d = await consumeOne(t, 'q');
    expect(await r.llen('q')).toBe(0);
    expect(await r.hget('unacked', d.deliveryTag)).toBe(`[${raw}, "", "q"]`);
    const score = Number(await r.zscore('unacked_index', d.deliveryTag));
    expect(score).toBeGreaterThanOrEqual(before - 0.001); // seconds with a fraction, as Python's time()
    expect(score).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    await d.ack();
    expect([await r.hlen('unacked'), await r.zcard('unacked_index')]).toEqual([0, 0]);
  });

  it('declares bindings as kombu members and restores reject(true) to the head with both redelivered flags', async () => {
    const { t, r } = await setup();
    await t.declareQueue('celery', { exchange: 'celery', routingKey: 'celery' });
    expect(await r.smembers('_kombu.binding.celery')).toEqual([`celery${SEP}${SEP}celery`]);
    await t.publish(textMessage('m'), { exchange: 'celery', routingKey: 'celery' });
    await t.publish(textMessage('n'), { exchange: 'celery', routingKey: 'celery' });
    const d = await consumeOne(t, 'celery');
    await d.reject(true);
    const list = await r.lrange('celery', 0, -1);
    const head = JSON.parse(list[0] as string) as { headers: Record<string, unknown>; properties: { delivery_info: Record<string, unknown>; delivery_tag: string } };
    expect(head.headers.redelivered).toBe(true);
    expect(head.properties.delivery_info).toEqual({ exchange: 'celery', routing_key: 'celery', redelivered: true });
    expect(head.properties.delivery_tag).toBe(d.deliveryTag);
    expect(await r.hlen('unacked')).toBe(0);
  });

  it("restores an old tag written in Python's format, skips tags it still holds, and honours the mutex", async () => {
    const { t, r } = await setup({ visibilityTimeoutSec: 60 });
    const env = '{"body": "eyJhIjogMX0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "t.add", "id": "abc"}, "properties": {"correlation_id": "abc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "py"}, "priority": 6, "body_encoding": "base64", "delivery_tag": "tag-py"}}';
    const old = Date.now() / 1000 - 3600.5;
    await r.multi().zadd('unacked_index', old, 'tag-py').hset('unacked', 'tag-py', `[${env}, "", "py"]`).exec();
    await t.publish(textMessage('mine'), { exchange: '', routingKey: 'mine' });
    const mine = await consumeOne(t, 'mine'); // consuming starts a sweep, which restores tag-py
    await waitFor(async () => (await r.llen(`py${SEP}6`)) === 1 && (await r.exists('unacked_mutex')) === 0);
    await r.zadd('unacked_index', old, mine.deliveryTag);
    await r.multi().zadd('unacked_index', old, 'tag-py2').hset('unacked', 'tag-py2', `[${env.replace('tag-py', 'tag-py2')}, "", "py"]`).exec();

    await r.set('unacked_mutex', 'someone-else', 'PX', 60000);
    expect(await t.restoreVisible()).toBe(0);
    expect(await r.get('unacked_mutex')).toBe('someone-else');
    expect(await r.hexists('unacked', 'tag-py2')).toBe(1);
    await r.del('unacked_mutex');

    expect(await t.restoreVisible()).toBe(1);
    expect(await r.exists('unacked_mutex')).toBe(0);
    const back = await r.lrange(`py${SEP}6`, 0, -1);
    expect(back[1]).toBe(env.replace('tag-py', 'tag-py2').replace('"id": "abc"}', '"id": "abc", "redelivered": true}')
      .replace('"routing_key": "py"}', '"routing_key": "py", "redelivered": true}'));
    expect(back[0]).toEqual(env.replace('"id": "abc"}', '"id": "abc", "redelivered": true}')
      .replace('"routing_key": "py"}', '"routing_key": "py", "redelivered": true}'));
    expect(await r.hkeys('unacked')).toEqual([mine.deliveryTag]);
  });

  it('never drops an unacked entry it cannot read or route: it stays in unacked for an operator', async () => {
    const { t, r } = await setup({ visibilityTimeoutSec: 60 });
    const old = Date.now() / 1000 - 3600.5;
    const unroutable = '{"body": "e30=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {}, "properties": {"delivery_info": {"exchange": "gone", "routing_key": "nowhere"}, "delivery_tag": "tag-x"}}';
    await r.multi().zadd('unacked_index', old, 'tag-x').hset('unacked', 'tag-x', `[${unroutable}, "gone", "nowhere"]`)
      .zadd('unacked_index', old, 'tag-bad').hset('unacked', 'tag-bad', 'not json').exec();
    expect(await t.restoreVisible()).toBe(0);
    expect((await r.hkeys('unacked')).sort()).toEqual(['tag-bad', 'tag-x']);
  });

  it('prefixes every key and channel with global_keyprefix', async () => {
    const { t, r } = await setup({ globalKeyprefix: 'pfx:', visibilityTimeoutSec: 1 });
    await t.declareQueue('q', { exchange: 'ex', routingKey: 'q' });
    await t.publish(textMessage('a', 9), { exchange: 'ex', routingKey: 'q' });
    await t.publish(textMessage('b'), { exchange: '', routingKey: 'q' });
    expect((await r.keys('*')).sort()).toEqual(['pfx:_kombu.binding.ex', 'pfx:q', `pfx:q${SEP}9`]);
    const d = await consumeOne(t, 'q');
    expect(d.message.body.toString()).toBe('b');
    await waitFor(async () => (await r.exists('pfx:unacked_mutex')) === 0);
    expect((await r.keys('*')).sort()).toEqual(['pfx:_kombu.binding.ex', `pfx:q${SEP}9`, 'pfx:unacked', 'pfx:unacked_index']);
    const sub = new Redis(server.port, '127.0.0.1');
    try {
      const got = new Promise<string>((resolve) => { sub.on('pmessage', (_p: string, channel: string) => resolve(channel)); });
      await sub.psubscribe('*');
      await t.publishFanout('celeryev', 'worker.heartbeat', textMessage('hb'));
      expect(await got).toBe(`pfx:/${db}.celeryev/worker.heartbeat`);
    } finally {
      await sub.quit();
    }
  });
});
