import pino from 'pino';
import { ConfigError, TransportError } from '../../../src/errors/celeriac-error';
import { AmqpTransport } from '../../../src/transport/amqp/amqp-transport';
import { createTransport } from '../../../src/transport/create-transport';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { RedisTransport } from '../../../src/transport/redis/redis-transport';

const logger = pino({ level: 'silent' });

describe('createTransport', () => {
  it.each(['redis://localhost:6379/1', 'rediss://h:6380/0', 'redis+socket:///tmp/r.sock?virtual_host=2', 'unix:///tmp/r.sock',
    'sentinel://h1:26379;sentinel://h2:26379'])('picks Redis for %s', (url) => {
    expect(createTransport(url, {}, logger)).toBeInstanceOf(RedisTransport);
  });

  it('picks memory for memory://', () => {
    expect(createTransport('memory://', {}, logger)).toBeInstanceOf(MemoryTransport);
  });

  it.each(['amqp://guest:secret@rabbit//', 'amqps://u:p@rabbit:5671/vh', 'pyamqp://rabbit'])('picks AMQP for %s', (url) => {
    expect(createTransport(url, {}, logger)).toBeInstanceOf(AmqpTransport);
  });

  it('refuses unknown schemes, with the URL password hidden', () => {
    expect(() => createTransport('kafka://u:secret@x', {}, logger)).toThrow(TransportError);
    expect(() => createTransport('kafka://u:secret@x', {}, logger)).not.toThrow(/secret/);
    expect(() => createTransport('kafka://x', {}, logger)).toThrow(/scheme "kafka" is not supported/);
    expect(() => createTransport('localhost:6379', {}, logger)).toThrow(/no scheme/);
  });

  it('reports bad broker_transport_options as a ConfigError naming the option', () => {
    expect(() => createTransport('redis://h/0', { visibility_timeout: 'soon' }, logger)).toThrow(ConfigError);
    expect(() => createTransport('redis://h/0', { visibility_timeout: 'soon' }, logger)).toThrow(/broker_transport_options\.visibility_timeout/);
    expect(() => createTransport('amqp://h//', { broker_heartbeat: 'often' }, logger)).toThrow(/broker_transport_options\.broker_heartbeat/);
  });
});
