import { TransportError } from '../../../../src/errors/celeriac-error';
import { amqpTransportOptionsSchema, parseAmqpUrl } from '../../../../src/transport/amqp/amqp-transport-options';

describe('parseAmqpUrl', () => {
  it('reads user, password, host, port and vhost as kombu does (// and empty = vhost /)', () => {
    expect(parseAmqpUrl('amqp://u:p%40ss@rabbit:5673//', 120)).toEqual({
      protocol: 'amqp', hostname: 'rabbit', port: 5673, username: 'u', password: 'p@ss', vhost: '/', heartbeat: 120 });
    expect(parseAmqpUrl('pyamqp://rabbit', 60)).toMatchObject({ protocol: 'amqp', port: 5672, username: 'guest', password: 'guest', vhost: '/' });
    expect(parseAmqpUrl('amqp://rabbit/prod%2Feu', 60).vhost).toBe('prod/eu');
    expect(parseAmqpUrl('amqps://rabbit/vh', 60)).toMatchObject({ protocol: 'amqps', port: 5671, vhost: 'vh' });
  });

  it('takes the heartbeat from ?heartbeat= over broker_heartbeat', () => {
    expect(parseAmqpUrl('amqp://rabbit//?heartbeat=10', 120).heartbeat).toBe(10);
  });

  it('refuses a bad URL without showing its password', () => {
    expect(() => parseAmqpUrl('amqp://u:secret@[bad', 1)).toThrow(TransportError);
    expect(() => parseAmqpUrl('amqp://u:secret@[bad', 1)).not.toThrow(/secret/);
  });
});

describe('amqpTransportOptionsSchema', () => {
  it('defaults to Celery broker_heartbeat 120 s, no x-max-priority', () => {
    expect(amqpTransportOptionsSchema.parse({})).toEqual({ heartbeatSec: 120, maxPriority: undefined, maxRetryIntervalMs: 16_000, etaMaxHoldMs: 1_000 });
    expect(amqpTransportOptionsSchema.parse({ max_priority: '10', visibility_timeout: 5 }).maxPriority).toBe(10);
    expect(amqpTransportOptionsSchema.safeParse({ max_priority: 300 }).success).toBe(false);
    expect(amqpTransportOptionsSchema.parse({ broker_heartbeat: '60.4' }).heartbeatSec).toBe(60); // whole seconds on the wire
    expect(amqpTransportOptionsSchema.parse({ eta_max_hold_sec: '30' }).etaMaxHoldMs).toBe(30_000);
    // Holding past RabbitMQ's consumer_timeout (30 min default) would get the channel closed.
    expect(amqpTransportOptionsSchema.safeParse({ eta_max_hold_sec: 1800 }).success).toBe(false);
  });
});
