// TLS for an AMQP broker as kombu's py-amqp transport takes it (amqps://, broker_use_ssl), as the
// socket options amqplib hands to tls.connect. Pure: files are read through a stand-in.
import { amqpTlsOptions } from '../../../../src/transport/amqp/amqp-tls-options';
import { amqpConnectSpec, amqpTransportOptionsSchema } from '../../../../src/transport/amqp/amqp-transport-options';

const files: Record<string, string> = { '/ca.pem': 'CA', '/client.pem': 'CERT', '/client.key': 'KEY' };
const readFile = (path: string): Buffer => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return Buffer.from(text);
};
const tls = (scheme: string, host: string, useSsl: unknown) => amqpTlsOptions(scheme, host, useSsl, 'broker amqps://h', readFile);

it('amqp:// without broker_use_ssl is plain; amqps:// verifies against the default CAs, SNI for a name', () => {
  expect(tls('amqp', 'rabbit', undefined)).toBeNull();
  expect(tls('amqp', 'rabbit', false)).toBeNull();
  expect(tls('amqps', 'rabbit', undefined)).toEqual({ socket: { rejectUnauthorized: true, servername: 'rabbit' }, warnings: [] });
  expect(tls('amqps', '127.0.0.1', true)).toEqual({ socket: { rejectUnauthorized: true }, warnings: [] });
});

it('reads py-amqp\'s keys: the CA and client pair from their files, cert_reqs, server_hostname', () => {
  const t = tls('amqps', '10.0.0.5', { ca_certs: '/ca.pem', certfile: '/client.pem', keyfile: '/client.key', cert_reqs: 'CERT_REQUIRED', server_hostname: 'rabbit.internal' });
  expect(t?.socket).toMatchObject({ rejectUnauthorized: true, servername: 'rabbit.internal', ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  // The name checked is server_hostname, not the address connected to.
  expect(t?.socket.checkServerIdentity?.('10.0.0.5', { subject: { CN: 'rabbit.internal' }, subjectaltname: 'DNS:rabbit.internal' } as never)).toBeUndefined();
  expect(t?.socket.checkServerIdentity?.('10.0.0.5', { subject: { CN: 'other' }, subjectaltname: 'DNS:other' } as never)).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  // null = the URL's host (kombu), a certfile alone holds the key too.
  expect(tls('amqps', 'rabbit', { server_hostname: null, certfile: '/client.pem' })?.socket).toEqual({ rejectUnauthorized: true, servername: 'rabbit', cert: Buffer.from('CERT'), key: Buffer.from('CERT') });
});

it('cert_reqs none does not verify and warns; Python\'s constants are read', () => {
  const none = tls('amqps', 'rabbit', { cert_reqs: 0 });
  expect(none?.socket.rejectUnauthorized).toBe(false);
  expect(none?.warnings).toEqual([expect.stringContaining('cert_reqs=none')]);
  expect(tls('amqps', 'rabbit', { cert_reqs: 2 })?.socket.rejectUnauthorized).toBe(true);
});

it('bad keys, values and files are errors naming them, with a hint for Redis\' ssl_* names', () => {
  expect(() => tls('amqps', 'h', { ssl_ca_certs: '/ca.pem' })).toThrow(expect.objectContaining({ code: 'CELERIAC_TRANSPORT_BAD_URL',
    message: expect.stringMatching(/^broker amqps:\/\/h: broker_use_ssl: unknown key "ssl_ca_certs" for RabbitMQ \(the ssl_\* names are Redis'; RabbitMQ takes ca_certs\)/) }));
  expect(() => tls('amqps', 'h', { cert_reqs: 'always' })).toThrow(/cert_reqs "always" is not one of required, optional, none/);
  expect(() => tls('amqps', 'h', { ca_certs: '/missing.pem' })).toThrow(/cannot read broker_use_ssl.ca_certs "\/missing.pem": ENOENT/);
  expect(() => tls('amqps', 'h', { keyfile: '/client.key' })).toThrow(/keyfile is set without certfile/);
  expect(() => tls('amqps', 'h', 'yes')).toThrow(/broker_use_ssl must be true, false or an object/);
  expect(() => tls('amqps', 'h', { server_hostname: 5 })).toThrow(/server_hostname must be a host name or null/);
});

it('broker_use_ssl makes amqp:// TLS on kombu\'s TLS port unless the URL gives one', () => {
  const options = { ...amqpTransportOptionsSchema.parse({}), useSsl: { ca_certs: '/ca.pem' } };
  expect(amqpConnectSpec('amqp://rabbit//', options, readFile).connect).toMatchObject({ protocol: 'amqps', port: 5671 });
  expect(amqpConnectSpec('amqp://rabbit:5000//', options, readFile).connect).toMatchObject({ protocol: 'amqps', port: 5000 });
  expect(amqpConnectSpec('amqp://rabbit//', amqpTransportOptionsSchema.parse({}), readFile)).toEqual({
    connect: expect.objectContaining({ protocol: 'amqp', port: 5672 }), warnings: [] });
});
