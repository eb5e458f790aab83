// The `sentinel_kwargs` transport option as redis-py's Sentinel takes it, to ioredis' sentinel
// options. Pure: the PEM files are read through a stand-in.
import { resolveSentinelKwargs } from '../../../../src/transport/redis/resolve-sentinel-kwargs';

const files: Record<string, string> = { '/ca.pem': 'CA', '/client.pem': 'CERT', '/client.key': 'KEY' };
const readFile = (path: string): Buffer => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return Buffer.from(text);
};
const resolve = (kwargs: unknown): ReturnType<typeof resolveSentinelKwargs> => resolveSentinelKwargs(kwargs, 'broker sentinel://h1:26379/1', readFile);
const pair = { ssl_ca_certs: '/ca.pem', ssl_certfile: '/client.pem', ssl_keyfile: '/client.key' };

describe('resolveSentinelKwargs', () => {
  it('none, or no TLS keys: nothing for TLS', () => {
    expect(resolve(undefined)).toEqual({ options: {}, warnings: [] });
    expect(resolve(null)).toEqual({ options: {}, warnings: [] });
    expect(resolve({ ssl: false, password: 'sp' })).toEqual({ options: { sentinelPassword: 'sp' }, warnings: [] });
  });

  it('sentinel_kwargs gives TLS, a password and a user to the sentinels', () => {
    const { options, warnings } = resolve({ ssl: true, ssl_cert_reqs: 'required', ...pair, password: 'sp', username: 'su', socket_timeout: 0.5 });
    expect(warnings).toEqual([]);
    expect(options).toMatchObject({ sentinelTLS: { rejectUnauthorized: true, ca: Buffer.from('CA'), cert: Buffer.from('CERT') }, sentinelPassword: 'sp', sentinelUsername: 'su',
      sentinelCommandTimeout: 500 });
    // ssl: true alone verifies, as redis-py's default ssl_cert_reqs='required' does.
    expect(resolve({ ssl: true }).options.sentinelTLS).toEqual({ rejectUnauthorized: true });
    expect(resolve({ ssl: true, ssl_cert_reqs: 'none' }).warnings)
      .toEqual([expect.stringMatching(/^broker sentinel:\/\/h1:26379\/1 sentinel_kwargs: ssl_cert_reqs=none: .*not verified/)]);
  });

  it('refuses what redis-py would not do, naming it', () => {
    expect(() => resolve({ ssl_ca_certs: '/ca.pem' })).toThrow(/sentinel_kwargs has ssl_ca_certs but not ssl: true/);
    expect(() => resolve({ ssl: 'yes' })).toThrow(/sentinel_kwargs\.ssl must be true or false/);
    expect(() => resolve({ retry_on_timeout: true })).toThrow(/sentinel_kwargs: unknown key "retry_on_timeout"/);
    expect(() => resolve({ socket_timeout: -1 })).toThrow(/socket_timeout must be a positive number/);
    expect(() => resolve({ password: 5 })).toThrow(/sentinel_kwargs\.password must be a string/);
    expect(() => resolve([])).toThrow(/sentinel_kwargs must be an object/);
    expect(() => resolve({ ssl: true, ssl_ca_certs: '/missing.pem' })).toThrow(/cannot read ssl_ca_certs "\/missing.pem"/);
  });
});
