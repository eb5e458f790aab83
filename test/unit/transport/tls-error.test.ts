// Which connection failures are TLS ones (final at startup), and the one-line reasons given for them
// (through the Redis client's describeConnectError, as a worker prints them).
import { describeConnectError, redisTlsHints } from '../../../src/transport/redis/connect-redis-client';
import { parseRedisUrl } from '../../../src/transport/redis/redis-connection';
import { describeTlsError, isTlsError } from '../../../src/transport/tls-error';

const err = (code: string, message: string): Error => Object.assign(new Error(message), { code });

it('TLS failures are recognised by Node\'s codes, along the cause chain', () => {
  for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
    expect(isTlsError(err(code, 'x'))).toBe(true);
  }
  expect(isTlsError(new Error('wrapped', { cause: err('CERT_HAS_EXPIRED', 'certificate has expired') }))).toBe(true);
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CELERIAC_TRANSPORT_UNREACHABLE']) expect(isTlsError(err(code, 'x'))).toBe(false);
  expect(isTlsError('text')).toBe(false);
});

const names = { ca: 'broker_use_ssl.ca_certs', clientCert: 'broker_use_ssl.certfile' };

it('says what to fix: the CA for an untrusted certificate, the scheme or port for a server without TLS', () => {
  expect(describeConnectError(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')))
    .toBe('TLS handshake failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN); trust the server\'s CA with ssl_ca_certs=PATH, or check the host name');
  expect(describeConnectError(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number\nmore')))
    .toBe('TLS handshake failed (wrong version number): is the server speaking TLS on that port?');
  expect(describeTlsError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), names))
    .toBe('TLS handshake failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); trust the server\'s CA with broker_use_ssl.ca_certs, or check the host name');
  expect(describeConnectError(err('ECONNREFUSED', 'x'))).toBe('connection refused');
  expect(describeTlsError(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'), names))
    .toBe('TLS handshake refused by the server: tlsv13 alert certificate required (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED); does it require a client certificate (broker_use_ssl.certfile)?');
});

it('over sentinel:// the hints name the setting TLS comes from, not URL parameters', () => {
  const hints = redisTlsHints(parseRedisUrl('sentinel://h:26379/1', { masterName: 'm' }), 'broker_use_ssl');
  expect(describeConnectError(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), hints))
    .toMatch(/; trust the server's CA with ssl_ca_certs in broker_use_ssl, or check the host name$/);
  expect(describeConnectError(err('ECONNRESET', 'read ECONNRESET'), hints)).toBe('connection reset (a server that speaks only TLS does this to a plain client: then set broker_use_ssl)');
  expect(describeConnectError(err('ECONNRESET', 'read ECONNRESET'), redisTlsHints(parseRedisUrl('redis://h/1'), 'broker_use_ssl')))
    .toBe('connection reset (a server that speaks only TLS does this to a plain client: then use rediss://)');
});
