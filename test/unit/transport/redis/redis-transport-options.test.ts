import { defaultRedisTransportOptions, parseRedisTransportOptions, redisTransportOptionsSchema } from '../../../../src/transport/redis/redis-transport-options';

describe('redisTransportOptionsSchema', () => {
  it('gives kombu defaults for an empty object', () => {
    expect(redisTransportOptionsSchema.parse({})).toEqual(defaultRedisTransportOptions);
  });

  it("maps Celery's snake_case broker_transport_options to camelCase with units", () => {
    const o = redisTransportOptionsSchema.parse({
      visibility_timeout: 43200, priority_steps: [9, 0, 5], sep: ':', global_keyprefix: 'app:', fanout_prefix: false,
      fanout_patterns: false, unacked_key: 'u', unacked_index_key: 'ui', unacked_mutex_key: 'um', unacked_mutex_expire: 60,
      unacked_restore_interval: 5, unacked_restore_limit: 100, polling_interval: 0.5, master_name: 'mymaster',
      socket_connect_timeout: 2, max_connections: 10, queued_pops: false,
    });
    expect(o).toEqual({
      visibilityTimeoutSec: 43200, prioritySteps: [0, 5, 9], sep: ':', globalKeyprefix: 'app:', fanoutPrefix: false,
      fanoutPatterns: false, unackedKey: 'u', unackedIndexKey: 'ui', unackedMutexKey: 'um', unackedMutexExpireSec: 60,
      unackedRestoreIntervalSec: 50, unackedRestoreLimit: 100, pollingIntervalSec: 0.5, masterName: 'mymaster',
      connectTimeoutMs: 2000, maxElementBytes: 0, poisonQueue: 'celeriac.poison', queuedPops: false,
    });
  });

  it("takes queued_pops as true, false or 'auto' (the default), and names it when it is anything else", () => {
    expect(redisTransportOptionsSchema.parse({}).queuedPops).toBe('auto');
    expect(redisTransportOptionsSchema.parse({ queued_pops: true }).queuedPops).toBe(true);
    expect(redisTransportOptionsSchema.parse({ queued_pops: 'auto' }).queuedPops).toBe('auto');
    expect(() => parseRedisTransportOptions({ queued_pops: 'yes' })).toThrow(/broker_transport_options\.queued_pops: must be true, false or 'auto'/);
  });

  it('turns kombu interval x throttle into the real sweep period', () => {
    expect(redisTransportOptionsSchema.parse({ unacked_restore_throttle: 1 }).unackedRestoreIntervalSec).toBe(10);
    expect(redisTransportOptionsSchema.parse({ unacked_restore_interval: 2, unacked_restore_throttle: 3 }).unackedRestoreIntervalSec).toBe(6);
  });

  it('sweeps at most every visibility_timeout / 4 (kombu: 100 s) when no interval is set, so a dead worker is recovered in about the timeout', () => {
    expect(redisTransportOptionsSchema.parse({}).unackedRestoreIntervalSec).toBe(100);
    expect(redisTransportOptionsSchema.parse({ visibility_timeout: 5 }).unackedRestoreIntervalSec).toBe(1.25);
    expect(redisTransportOptionsSchema.parse({ visibility_timeout: 2 }).unackedRestoreIntervalSec).toBe(1);
    expect(redisTransportOptionsSchema.parse({ visibility_timeout: 43200 }).unackedRestoreIntervalSec).toBe(100);
  });

  it('rejects values kombu could not use', () => {
    expect(redisTransportOptionsSchema.safeParse({ visibility_timeout: -1 }).success).toBe(false);
    expect(redisTransportOptionsSchema.safeParse({ priority_steps: [] }).success).toBe(false);
    expect(redisTransportOptionsSchema.safeParse({ priority_steps: [0, 12] }).success).toBe(false);
    expect(redisTransportOptionsSchema.safeParse({ sep: '' }).success).toBe(false);
  });
});
