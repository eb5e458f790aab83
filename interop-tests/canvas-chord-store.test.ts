import Redis from 'ioredis';
import { RedisChordStore } from '../src/backend/chord/redis-chord-store';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';

describe('RedisChordStore against a real redis-server', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url(1), { lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    await client.quit();
    await server.stop();
  });

  it('completes exactly once, returns results in group_index order and deletes the keys', async () => {
    const store = new RedisChordStore(client, { expiresSec: 86400 });
    await store.setChordSize('g1', 3);
    expect(await client.ttl('celery-taskset-meta-g1.s')).toBeGreaterThan(86000);
    expect(await store.onChordPartReturn({ group: 'g1', groupIndex: 2, taskId: 'c', state: 'SUCCESS', result: 'third' })).toEqual({ complete: false });
    // a redelivered member re-adds a byte-identical record: no double count
    expect(await store.onChordPartReturn({ group: 'g1', groupIndex: 2, taskId: 'c', state: 'SUCCESS', result: 'third' })).toEqual({ complete: false });
    expect(await store.onChordPartReturn({ group: 'g1', groupIndex: 0, taskId: 'a', state: 'SUCCESS', result: { k: [1] } })).toEqual({ complete: false });
    expect(await client.ttl('celery-taskset-meta-g1.j')).toBeGreaterThan(86000);
    const done = await store.onChordPartReturn({ group: 'g1', groupIndex: 1, taskId: 'b', state: 'SUCCESS', result: 2 });
    expect(done).toEqual({ complete: true, results: [{ k: [1] }, 2, 'third'] });
    expect(await client.exists('celery-taskset-meta-g1.j', 'celery-taskset-meta-g1.s', 'celery-taskset-meta-g1.t')).toBe(0);
    // after completion .s is gone: a late duplicate does nothing
    expect(await store.onChordPartReturn({ group: 'g1', groupIndex: 1, taskId: 'b', state: 'SUCCESS', result: 2 })).toEqual({ complete: false });
  });

  it('counts .t (add_to_chord) and reports the first failed member', async () => {
    const store = new RedisChordStore(client, { keyPrefix: 'p_', expiresSec: null });
    await store.setChordSize('g2', 1);
    await client.set('p_celery-taskset-meta-g2.t', '1');
    expect(await store.onChordPartReturn({ group: 'g2', groupIndex: 0, taskId: 'a', state: 'SUCCESS', result: 1 })).toEqual({ complete: false });
    expect(await client.ttl('p_celery-taskset-meta-g2.j')).toBe(-1);
    const done = await store.onChordPartReturn({ group: 'g2', groupIndex: null, taskId: 'b', state: 'FAILURE',
      exception: { excType: 'KeyError', excMessage: ['x'], excModule: 'builtins' } });
    expect(done).toEqual({ complete: true, error: { taskId: 'b', state: 'FAILURE', exception: { excType: 'KeyError', excMessage: ['x'], excModule: 'builtins' } } });
  });

  it('without .s (not a chord) never completes', async () => {
    const store = new RedisChordStore(client);
    expect(await store.onChordPartReturn({ group: 'g3', groupIndex: 0, taskId: 'a', state: 'SUCCESS', result: 1 })).toEqual({ complete: false });
  });
});
