// stats.broker as kombu's Connection.info() gives it. Expected values were read off kombu 5.6.2:
//   .venv/bin/python -c "from kombu import Connection; print(Connection(URL).info())"
import { buildBrokerInfo } from '../../../../../src/worker/control/commands/build-broker-info';

const pick = (url: string): Record<string, unknown> => {
  const i = buildBrokerInfo(url, {});
  return { hostname: i.hostname, userid: i.userid, virtual_host: i.virtual_host, port: i.port, ssl: i.ssl, transport: i.transport, login_method: i.login_method };
};

describe('buildBrokerInfo', () => {
  it.each([
    ['amqp://guest:pw@localhost:5672//', { hostname: 'localhost', userid: 'guest', virtual_host: '/', port: 5672, ssl: false, transport: 'amqp', login_method: 'PLAIN' }],
    ['pyamqp://u:p@h/vh', { hostname: 'h', userid: 'u', virtual_host: 'vh', port: 5672, ssl: false, transport: 'amqp', login_method: 'PLAIN' }],
    ['amqps://h', { hostname: 'h', userid: 'guest', virtual_host: '/', port: 5671, ssl: true, transport: 'amqps', login_method: 'PLAIN' }],
    ['redis://localhost:6379/1', { hostname: 'localhost', userid: null, virtual_host: '1', port: 6379, ssl: false, transport: 'redis', login_method: null }],
  ])('%s reads as kombu reads it', (url, expected) => {
    expect(pick(url)).toEqual(expected);
  });

  it('never carries the password', () => {
    expect(JSON.stringify(buildBrokerInfo('amqp://guest:s3cret@h:5672//;amqp://x:other@h2//', { password: 'p' }))).not.toMatch(/s3cret|other|"p"/);
  });
});
