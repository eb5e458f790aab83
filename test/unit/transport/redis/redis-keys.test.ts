import { buildRedisKeys } from '../../../../src/transport/redis/redis-keys';
import { defaultRedisTransportOptions } from '../../../../src/transport/redis/redis-transport-options';

describe('buildRedisKeys', () => {
  const keys = buildRedisKeys(defaultRedisTransportOptions, 3);

  it('buckets priorities as kombu: clamp 0..9, then the largest step not above', () => {
    const cases: Array<[unknown, number]> = [[0, 0], [2, 0], [3, 3], [5, 3], [6, 6], [8, 6], [9, 9], [42, 9], [-1, 0],
      [4.9, 3], ['7', 6], ['x', 0], [null, 0], [undefined, 0]];
    expect(cases.map(([p]) => keys.bucket(p))).toEqual(cases.map(([, b]) => b));
  });

  it('names priority sub-keys and maps them back to the queue', () => {
    expect(keys.queueKeys('celery')).toEqual(['celery', 'celery\x06\x163', 'celery\x06\x166', 'celery\x06\x169']);
    expect(keys.queueOfKey('celery\x06\x166')).toBe('celery');
    expect(keys.queueOfKey('a.b')).toBe('a.b');
  });

  it('builds binding keys and members', () => {
    expect(keys.bindingKey('celery')).toBe('_kombu.binding.celery');
    expect(keys.bindingMember('celery', '', 'celery')).toBe('celery\x06\x16\x06\x16celery');
    expect(keys.parseBindingMember('worker.#\x06\x16^worker\\..*?$\x06\x16celeryev.x')).toEqual({ routingKey: 'worker.#', pattern: '^worker\\..*?$', queue: 'celeryev.x' });
  });

  it('builds fanout channels with the db prefix and parses them back', () => {
    expect(keys.fanoutChannel('celeryev', 'worker.heartbeat')).toBe('/3.celeryev/worker.heartbeat');
    expect(keys.fanoutChannel('celery.pidbox', '')).toBe('/3.celery.pidbox');
    expect(keys.fanoutPattern('celeryev', 'worker.#')).toBe('/3.celeryev/worker.*');
    expect(keys.parseFanoutChannel('/3.celeryev/worker.heartbeat')).toEqual({ exchange: 'celeryev', routingKey: 'worker.heartbeat' });
    expect(keys.parseFanoutChannel('/3.celery.pidbox')).toEqual({ exchange: 'celery.pidbox', routingKey: '' });
    expect(keys.parseFanoutChannel('/4.celeryev/x')).toBeNull();
  });

  it('applies global_keyprefix to every key and channel, and honours fanout options', () => {
    const p = buildRedisKeys({ ...defaultRedisTransportOptions, globalKeyprefix: 'pfx:', fanoutPatterns: false }, 0);
    expect([p.queueKey('q', 3), p.bindingKey('e'), p.unacked, p.unackedIndex, p.unackedMutex, p.fanoutChannel('e', 'rk')])
      .toEqual(['pfx:q\x06\x163', 'pfx:_kombu.binding.e', 'pfx:unacked', 'pfx:unacked_index', 'pfx:unacked_mutex', 'pfx:/0.e']);
    expect(p.queueOfKey('pfx:q\x06\x169')).toBe('q');
    expect(p.parseFanoutChannel('pfx:/0.e')).toEqual({ exchange: 'e', routingKey: '' });
    const none = buildRedisKeys({ ...defaultRedisTransportOptions, fanoutPrefix: false }, 5);
    expect(none.fanoutChannel('e', 'rk')).toBe('e/rk');
    const custom = buildRedisKeys({ ...defaultRedisTransportOptions, fanoutPrefix: 'fan.', sep: ':' }, 5);
    expect([custom.fanoutChannel('e', ''), custom.queueKey('q', 9)]).toEqual(['fan.e', 'q:9']);
  });
});
