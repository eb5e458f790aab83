import { safeUrl } from '../../../src/transport/safe-url';

describe('safeUrl', () => {
  it.each([
    ['redis://:s3cret@host:6379/1', 'redis://:***@host:6379/1'],
    ['redis://user:s3cret@host/1', 'redis://user:***@host/1'],
    // raw "@" in the password: the userinfo ends at the LAST "@"
    ['redis://:S3cr@tPw0rd@host/1', 'redis://:***@host/1'],
    ['redis://user:a@b@c@host:6380/2', 'redis://user:***@host:6380/2'],
    // ":" inside the password belongs to the password (the first ":" ends the user name)
    ['redis://user:pa:ss:word@host/1', 'redis://user:***@host/1'],
    ['redis://:p/a?s#s@host/0', 'redis://:***@host/0'],
    // percent-encoded secrets are hidden as they are written
    ['redis://:p%40ss%3Aw%2Fd@host/1', 'redis://:***@host/1'],
    ['rediss://default:s3cret@host:6380/0?ssl_cert_reqs=required', 'rediss://default:***@host:6380/0?ssl_cert_reqs=required'],
    ['redis+socket:///tmp/redis.sock?virtual_host=1&password=s3cret', 'redis+socket:///tmp/redis.sock?virtual_host=1&password=***'],
    ['redis://host/1?sentinel_password=s3cret&x=1', 'redis://host/1?sentinel_password=***&x=1'],
    ['sentinel://:s3cret@h1:26379;sentinel://:s3cret@h2:26379/1', 'sentinel://:***@h1:26379;sentinel://:***@h2:26379/1'],
  ])('%s -> %s', (url, shown) => {
    expect(safeUrl(url)).toBe(shown);
  });

  it.each([
    'redis://localhost:6379/1',
    'redis://user@host/1',
    'redis+socket:///var/run/redis@main.sock',
    'memory://',
    'disabled',
  ])('leaves %s unchanged (no password in it)', (url) => {
    expect(safeUrl(url)).toBe(url);
  });

  it('never shows any fragment of a password that holds every URL delimiter', () => {
    const password = 'Ab:c@d/e?f#g;h%40i';
    const shown = safeUrl(`redis://user:${password}@redis.example:6379/1`);
    expect(shown).toBe('redis://user:***@redis.example:6379/1');
    for (const piece of ['Ab', 'c@d', 'e?f', 'g;h', '40i']) expect(shown).not.toContain(piece);
  });
});
