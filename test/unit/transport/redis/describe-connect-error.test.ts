// The one-line reasons a first Redis connection failed, and which failures are TLS ones (final at startup).
import { describeConnectError, isTlsError } from '../../../../src/transport/redis/connect-redis-client';

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

it('says what to fix: the CA for an untrusted certificate, the scheme or port for a server without TLS', () => {
  expect(describeConnectError(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')))
    .toBe('TLS handshake failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN); trust the server\'s CA with ssl_ca_certs=PATH, or check the host name');
  expect(describeConnectError(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number\nmore')))
    .toBe('TLS handshake failed (wrong version number): is the server speaking TLS on that port (rediss://)?');
  expect(describeConnectError(err('ECONNREFUSED', 'x'))).toBe('connection refused');
});
