import Redis from 'ioredis';
import pino from 'pino';
import { Writable } from 'node:stream';
import { TransportError } from '../../../src/errors/celeriac-error';
import { createRedisTransport } from '../../../src/transport/redis/redis-transport';
import { DeliveryLog, textMessage } from '../../contract/transport-contract';
import { freePort } from '../../helpers/free-port';
import { startRedisServer } from '../../helpers/redis-server';

const silent = pino({ level: 'silent' });

describe('RedisTransport connections', () => {
  it('fails connect() with a one-line TransportError when nothing listens', async () => {
    const port = await freePort();
    const t = createRedisTransport(`redis://:hunter2@127.0.0.1:${port}/1`, {}, silent);
    const err = await t.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('CELERIAC_TRANSPORT_UNREACHABLE');
    expect((err as TransportError).message).toBe(`cannot connect to Redis at redis://:***@127.0.0.1:${port}/1: connection refused`);
    await t.close();
  });

  it('fails fast when no sentinel answers', async () => {
    const port = await freePort();
    const t = createRedisTransport(`sentinel://127.0.0.1:${port}`, { masterName: 'mymaster' }, silent);
    await expect(t.connect()).rejects.toThrow(new RegExp(`^cannot connect to Redis at sentinel://127.0.0.1:${port}: `));
    await t.close();
  });

  it('rejects bad URLs naming the problem', async () => {
    for (const [url, why] of [['redis://localhost/abc', /database "abc" is not an integer/], ['sentinel://h:26379', /master_name/]] as const) {
      const t = createRedisTransport(url, {}, silent);
      await expect(t.connect()).rejects.toThrow(why);
      await t.close();
    }
  });

  it('keeps consuming across a dropped connection and logs the outage once', async () => {
    const server = await startRedisServer();
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
    const t = createRedisTransport(server.url(0), { pollingIntervalSec: 0.05 }, pino({ level: 'info' }, sink));
    const admin = new Redis(server.port, '127.0.0.1');
    try {
      await t.connect();
      const log = new DeliveryLog();
      await t.consume(['q'], 0, log.push);
      await t.publish(textMessage('before'), { exchange: '', routingKey: 'q' });
      await log.until(1);
      await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await t.publish(textMessage('after'), { exchange: '', routingKey: 'q' });
      await log.until(2);
      expect(log.bodies()).toEqual(['before', 'after']);
      const lost = lines.filter((l) => l.msg === 'broker connection lost; reconnecting');
      expect(lost.length).toBeGreaterThanOrEqual(1);
      expect(new Set(lost.map((l) => l.role)).size).toBe(lost.length);
    } finally {
      await t.close();
      await admin.quit();
      await server.stop();
    }
  });
});
