import pino from 'pino';
import { ConfigError, TransportError } from '../../../src/errors/celeriac-error';
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

  it('refuses AMQP for now and unknown schemes, with the URL password hidden', () => {
    expect(() => createTransport('amqp://guest:secret@rabbit//', {}, logger)).toThrow(/AMQP \(RabbitMQ\) is not supported yet/);
    expect(() => createTransport('amqp://guest:secret@rabbit//', {}, logger)).toThrow(TransportError);
    expect(() => createTransport('amqp://guest:secret@rabbit//', {}, logger)).not.toThrow(/secret/);
    expect(() => createTransport('kafka://x', {}, logger)).toThrow(/scheme "kafka" is not supported/);
    expect(() => createTransport('localhost:6379', {}, logger)).toThrow(/no scheme/);
  });

  it('reports bad broker_transport_options as a ConfigError naming the option', () => {
    expect(() => createTransport('redis://h/0', { visibility_timeout: 'soon' }, logger)).toThrow(ConfigError);
    expect(() => createTransport('redis://h/0', { visibility_timeout: 'soon' }, logger)).toThrow(/broker_transport_options\.visibility_timeout/);
  });
});
