import { execFile } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import type { KombuMessage } from '../src/protocol/kombu-message';
import { createRedisTransport, type RedisTransport } from '../src/transport/redis/redis-transport';
import { DeliveryLog } from '../test/contract/transport-contract';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';

const PYTHON = join(__dirname, '..', '.venv', 'bin', 'python');

/** Python side, driven by argv: publish / get (consume one and ack) / restore (kombu QoS.restore_visible). */
const KOMBU_SCRIPT = `
import json, os, sys
from kombu import Connection
cmd, url, name = sys.argv[1], sys.argv[2], sys.argv[3]
opts = {'visibility_timeout': float(sys.argv[4])} if cmd == 'restore' else {}
with Connection(url, transport_options=opts) as conn:
    if cmd == 'publish':
        q = conn.SimpleQueue(name)
        q.put({'from': 'python', 'text': 'h\\u00e9llo'}, priority=7, headers={'x-origin': 'kombu'})
        q.close()
    elif cmd == 'get':
        q = conn.SimpleQueue(name)
        m = q.get(block=True, timeout=10)
        print(json.dumps({'payload': m.payload, 'headers': m.headers, 'delivery_info': m.properties.get('delivery_info'),
                          'content_type': m.content_type, 'tag': m.delivery_tag}))
        m.ack()
        q.close()
    elif cmd == 'grab':
        q = conn.SimpleQueue(name)
        m = q.get(block=True, timeout=10)
        print(m.delivery_tag, flush=True)
        os._exit(0)  # die holding the message, without ack
    elif cmd == 'restore':
        conn.default_channel.qos.restore_visible(num=None)
        print('restored')
`;

function kombu(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', KOMBU_SCRIPT, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python kombu ${args[0]} failed: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

function jsonMessage(value: unknown): KombuMessage {
  return {
    body: Buffer.from(JSON.stringify(value)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { 'x-origin': 'celeriac' },
    properties: { delivery_mode: 2, priority: 0 },
  };
}

describe('RedisTransport against Python kombu 5.6', () => {
  let server: RedisServer;
  let admin: Redis;
  const open: RedisTransport[] = [];
  const transport = async (): Promise<RedisTransport> => {
    const t = createRedisTransport(server.url(0), {}, pino({ level: 'silent' }));
    open.push(t);
    await t.connect();
    return t;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
    await admin.quit();
    await server.stop();
  });

  it('consumes what kombu SimpleQueue publishes (named direct exchange, priority bucket)', async () => {
    await kombu('publish', server.url(0), 'from-py');
    const t = await transport();
    expect(await admin.llen('from-py\x06\x166')).toBe(1);
    expect(await admin.smembers('_kombu.binding.from-py')).toEqual(['from-py\x06\x16\x06\x16from-py']);
    expect(await t.queueLength('from-py')).toBe(1);
    const log = new DeliveryLog();
    const consumer = await t.consume(['from-py'], 1, log.push);
    const [d] = await log.until(1);
    await consumer.stop();
    expect(JSON.parse(d?.message.body.toString('utf8') ?? '')).toEqual({ from: 'python', text: 'héllo' });
    expect(d?.route).toEqual({ exchange: 'from-py', routingKey: 'from-py' });
    expect(d?.message.headers['x-origin']).toBe('kombu');
    await d?.ack();
    expect(await admin.hlen('unacked')).toBe(0);
  });

  it('publishes what kombu SimpleQueue consumes', async () => {
    const t = await transport();
    await t.publish(jsonMessage({ from: 'celeriac', n: 1 }), { exchange: '', routingKey: 'from-ts' });
    const got = JSON.parse(await kombu('get', server.url(0), 'from-ts')) as Record<string, unknown>;
    expect(got.payload).toEqual({ from: 'celeriac', n: 1 });
    expect(got.content_type).toBe('application/json');
    expect((got.headers as Record<string, unknown>)['x-origin']).toBe('celeriac');
    expect(got.delivery_info).toEqual({ exchange: '', routing_key: 'from-ts' });
    expect([await admin.hlen('unacked'), await t.queueLength('from-ts')]).toEqual([0, 0]);
  });

  it('leaves a crashed delivery in unacked where kombu restore_visible finds it and Python consumes it', async () => {
    const t = await transport();
    await t.publish(jsonMessage({ crash: true }), { exchange: '', routingKey: 'crashy' });
    const log = new DeliveryLog();
    const consumer = await t.consume(['crashy'], 1, log.push);
    const [d] = await log.until(1);
    await consumer.stop();
    // Simulate a crash: forget the delivery (as a dead process would) so close() cannot give it back.
    (t as unknown as { held: Map<string, unknown> }).held.clear();
    await t.close();
    expect(await admin.hexists('unacked', d?.deliveryTag ?? '')).toBe(1);
    expect(await t.queueLength('crashy').catch(() => 'closed')).toBe('closed');

    expect(await kombu('restore', server.url(0), 'crashy', '0.001')).toBe('restored');
    expect(await admin.hlen('unacked')).toBe(0);
    const got = JSON.parse(await kombu('get', server.url(0), 'crashy')) as Record<string, unknown>;
    expect(got.payload).toEqual({ crash: true });
    expect(got.tag).toBe(d?.deliveryTag);
    expect((got.headers as Record<string, unknown>).redelivered).toBe(true);
    expect(got.delivery_info).toEqual({ exchange: '', routing_key: 'crashy', redelivered: true });
  });

  it('restores with its own sweep a message a crashed Python consumer left in unacked', async () => {
    const t = await transport();
    await t.publish(jsonMessage({ orphan: 1 }), { exchange: '', routingKey: 'orphan' });
    const tag = await kombu('grab', server.url(0), 'orphan');
    expect(await admin.hexists('unacked', tag)).toBe(1);
    const sweeper = createRedisTransport(server.url(0), { visibilityTimeoutSec: 0.001 }, pino({ level: 'silent' }));
    open.push(sweeper);
    expect(await sweeper.restoreVisible()).toBe(1);
    const log = new DeliveryLog();
    const consumer = await t.consume(['orphan'], 1, log.push);
    const [d] = await log.until(1);
    await consumer.stop();
    expect(d?.deliveryTag).toBe(tag);
    expect(d?.redelivered).toBe(true);
    expect(JSON.parse(d?.message.body.toString() ?? '')).toEqual({ orphan: 1 });
    await d?.ack();
    expect(await admin.hlen('unacked')).toBe(0);
  });
});
