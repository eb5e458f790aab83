// TLS for Redis URLs as the pinned kombu (broker) and Celery (result backend) decide it, and the ioredis
// options that follow. Pure: the PEM files are read through a stand-in.
import { parseRedisUrl } from '../../../../src/transport/redis/redis-connection';
import { redisTlsOptions, resolveRedisTls } from '../../../../src/transport/redis/resolve-redis-tls';

const q = (s: string): URLSearchParams => new URLSearchParams(s);
const files: Record<string, string> = { '/ca.pem': 'CA', '/client.pem': 'CERT', '/client.key': 'KEY' };
const readFile = (path: string): Buffer => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return Buffer.from(text);
};

describe('resolveRedisTls, broker (kombu rules)', () => {
  it('redis:// without broker_use_ssl is plain', () => {
    expect(resolveRedisTls('redis', q(''), false, 'broker', 'b')).toBeNull();
    expect(resolveRedisTls('redis', q(''), undefined, 'broker', 'b')).toBeNull();
  });

  it('rediss:// with nothing else: TLS without verification, and a warning saying how to verify', () => {
    const tls = resolveRedisTls('rediss', q(''), undefined, 'broker', 'broker rediss://h');
    expect(tls).toMatchObject({ certReqs: 'none', checkHostname: false });
    expect(tls?.warnings).toEqual([expect.stringMatching(/^broker rediss:\/\/h: .*not verified.*ssl_cert_reqs=required/)]);
  });

  it('ssl_* parameters in the URL replace broker_use_ssl whole', () => {
    const tls = resolveRedisTls('rediss', q('ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=%2Fca.pem'), { ssl_certfile: '/client.pem' }, 'broker', 'b');
    expect(tls).toEqual({ certReqs: 'required', caCerts: '/ca.pem', checkHostname: true, warnings: [] });
  });

  it('broker_use_ssl: true or an object without ssl_cert_reqs verifies (redis-py\'s default), on redis:// too', () => {
    expect(resolveRedisTls('redis', q(''), true, 'broker', 'b')).toEqual({ certReqs: 'required', checkHostname: true, warnings: [] });
    expect(resolveRedisTls('rediss', q(''), { ssl_ca_certs: '/ca.pem' }, 'broker', 'b')).toMatchObject({ certReqs: 'required', caCerts: '/ca.pem' });
  });

  it('Python\'s constants and names are read; none warns; ssl_check_hostname=false is read as kombu reads it', () => {
    expect(resolveRedisTls('rediss', q(''), { ssl_cert_reqs: 2 }, 'broker', 'b')?.certReqs).toBe('required');
    expect(resolveRedisTls('rediss', q('ssl_cert_reqs=optional'), undefined, 'broker', 'b')?.certReqs).toBe('optional');
    const none = resolveRedisTls('rediss', q('ssl_cert_reqs=none'), undefined, 'broker', 'b');
    expect(none?.warnings).toEqual([expect.stringContaining('ssl_cert_reqs=none')]);
    expect(resolveRedisTls('rediss', q('ssl_cert_reqs=required&ssl_check_hostname=False'), undefined, 'broker', 'b')?.checkHostname).toBe(false);
    expect(resolveRedisTls('rediss', q('ssl_cert_reqs=required&ssl_check_hostname=yes'), undefined, 'broker', 'b')?.checkHostname).toBe(true);
  });

  it('unknown names and values are errors naming them', () => {
    expect(() => resolveRedisTls('rediss', q('ssl_cert_reqs=requried'), undefined, 'broker', 'broker rediss://h'))
      .toThrow(expect.objectContaining({ code: 'CELERIAC_TRANSPORT_BAD_URL', message: expect.stringMatching(/^broker rediss:\/\/h: ssl_cert_reqs "requried" is not one of required, optional, none/) }));
    expect(() => resolveRedisTls('rediss', q('ssl_ca_cert=/ca.pem'), undefined, 'broker', 'b')).toThrow(/unknown parameter "ssl_ca_cert"/);
    expect(() => resolveRedisTls('rediss', q(''), { ca_certs: '/ca.pem' }, 'broker', 'b')).toThrow(/broker_use_ssl: unknown key "ca_certs"/);
    expect(() => resolveRedisTls('rediss', q(''), 'yes', 'broker', 'b')).toThrow(/broker_use_ssl must be true, false or an object/);
    expect(() => resolveRedisTls('rediss', q(''), { ssl_ca_certs: 7 }, 'broker', 'b')).toThrow(/ssl_ca_certs must be a file path, got 7/);
  });
});

describe('resolveRedisTls, result backend (Celery rules)', () => {
  it('rediss:// must say ssl_cert_reqs, in the URL or redis_backend_use_ssl', () => {
    expect(() => resolveRedisTls('rediss', q(''), undefined, 'backend', 'result backend rediss://h'))
      .toThrow(expect.objectContaining({ code: 'CELERIAC_TRANSPORT_BAD_URL', message: expect.stringContaining('must set ssl_cert_reqs') }));
    expect(() => resolveRedisTls('rediss', q('ssl_ca_certs=/ca.pem'), undefined, 'backend', 'r')).toThrow(/must set ssl_cert_reqs/);
    expect(resolveRedisTls('rediss', q(''), { ssl_cert_reqs: 'CERT_REQUIRED' }, 'backend', 'r')?.certReqs).toBe('required');
  });

  it('URL parameters override redis_backend_use_ssl key by key', () => {
    expect(resolveRedisTls('rediss', q('ssl_cert_reqs=required'), { ssl_cert_reqs: 'none', ssl_ca_certs: '/ca.pem' }, 'backend', 'r'))
      .toEqual({ certReqs: 'required', caCerts: '/ca.pem', checkHostname: true, warnings: [] });
  });

  it('ssl parameters on redis:// are refused, as Celery refuses them', () => {
    expect(() => resolveRedisTls('redis', q('ssl_cert_reqs=required'), undefined, 'backend', 'r')).toThrow(/scheme is redis:\/\/.*use rediss:\/\//);
    expect(() => resolveRedisTls('redis', q(''), { ssl_cert_reqs: 'required' }, 'backend', 'r')).toThrow(/scheme is redis:\/\//);
    expect(resolveRedisTls('redis', q(''), undefined, 'backend', 'r')).toBeNull();
  });
});

describe('redisTlsOptions', () => {
  it('verifies with the CA and client pair read from their files, SNI for a name only', () => {
    const tls = { certReqs: 'required', caCerts: '/ca.pem', certfile: '/client.pem', keyfile: '/client.key', checkHostname: true, warnings: [] } as const;
    const options = redisTlsOptions(tls, 'redis.example.com', 'b', readFile);
    expect(options).toEqual({ rejectUnauthorized: true, servername: 'redis.example.com', ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect(redisTlsOptions(tls, '127.0.0.1', 'b', readFile).servername).toBeUndefined();
  });

  it('a certfile without keyfile holds the key too (Python\'s load_cert_chain); a keyfile alone is an error', () => {
    expect(redisTlsOptions({ certReqs: 'required', certfile: '/client.pem', checkHostname: true, warnings: [] }, 'h', 'b', readFile))
      .toMatchObject({ cert: Buffer.from('CERT'), key: Buffer.from('CERT') });
    expect(() => redisTlsOptions({ certReqs: 'required', keyfile: '/client.key', checkHostname: true, warnings: [] }, 'h', 'b', readFile))
      .toThrow(/ssl_keyfile is set without ssl_certfile/);
  });

  it('none does not verify; ssl_check_hostname=false verifies the chain but not the name', () => {
    expect(redisTlsOptions({ certReqs: 'none', checkHostname: false, warnings: [] }, 'h', 'b', readFile)).toEqual({ rejectUnauthorized: false, servername: 'h' });
    const options = redisTlsOptions({ certReqs: 'optional', checkHostname: false, warnings: [] }, 'h', 'b', readFile);
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.checkServerIdentity?.('other', {} as never)).toBeUndefined();
  });

  it('an unreadable file is an error naming the parameter and the path', () => {
    expect(() => redisTlsOptions({ certReqs: 'required', caCerts: '/missing.pem', checkHostname: true, warnings: [] }, 'h', 'broker rediss://h', readFile))
      .toThrow(expect.objectContaining({ code: 'CELERIAC_TRANSPORT_BAD_URL', message: expect.stringMatching(/^broker rediss:\/\/h: cannot read ssl_ca_certs "\/missing.pem": ENOENT/) }));
  });
});

describe('parseRedisUrl with TLS', () => {
  it('puts the options on the spec, with the warnings to log', () => {
    const spec = parseRedisUrl('rediss://:pw@h:6380/1?ssl_cert_reqs=required&ssl_ca_certs=%2Fca.pem', { readFile });
    expect(spec.options.tls).toEqual({ rejectUnauthorized: true, servername: 'h', ca: Buffer.from('CA') });
    expect(spec.warnings).toEqual([]);
    expect(parseRedisUrl('rediss://h/1', { readFile }).warnings).toEqual([expect.stringMatching(/^broker rediss:\/\/h\/1: /)]);
    expect(parseRedisUrl('redis://h/1').options.tls).toBeUndefined();
  });

  it('names the result backend in its errors, and refuses TLS over sockets', () => {
    expect(() => parseRedisUrl('rediss://h/2', { sslRole: 'backend' })).toThrow(/^result backend rediss:\/\/h\/2: a rediss:\/\/ result backend must set ssl_cert_reqs/);
    expect(() => parseRedisUrl('redis+socket:///tmp/r.sock', { useSsl: true })).toThrow(/TLS \(broker_use_ssl\) is not supported over redis\+socket:\/\//);
  });
});

describe('sentinel:// with TLS (kombu SentinelChannel, Celery SentinelBackend)', () => {
  const pair = { ssl_ca_certs: '/ca.pem', ssl_certfile: '/client.pem', ssl_keyfile: '/client.key' };

  it('broker_use_ssl gives TLS to the master, named and checked by Node at connect time (no servername)', () => {
    const spec = parseRedisUrl('sentinel://h1:26379/1;sentinel://h2:26380/1', { masterName: 'm', useSsl: pair, readFile });
    expect(spec.options).toMatchObject({ enableTLSForSentinelMode: true, tls: { rejectUnauthorized: true, ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') } });
    expect(spec.options.tls).not.toHaveProperty('servername');
    expect(spec.options.sentinelTLS).toBeUndefined(); // the sentinels stay plain without sentinel_kwargs, as in redis-py
    expect(parseRedisUrl('sentinel://h1:26379/1', { masterName: 'm' }).options).not.toHaveProperty('tls');
  });

  it('sentinel_kwargs reaches the connections to the sentinels (resolveSentinelKwargs)', () => {
    const spec = parseRedisUrl('sentinel://:pw@h1:26379/1', { masterName: 'm', readFile, sentinelKwargs: { ssl: true, ...pair, password: 'sp' } });
    expect(spec.options).toMatchObject({ password: 'pw', sentinelPassword: 'sp', sentinelTLS: { rejectUnauthorized: true, ca: Buffer.from('CA') } });
    // the URL's password is the master's alone: without sentinel_kwargs the sentinels get none (kombu, Celery)
    expect(parseRedisUrl('sentinel://u:pw@h1:26379/1', { masterName: 'm' }).options).toMatchObject({ username: 'u', password: 'pw' });
    expect(parseRedisUrl('sentinel://u:pw@h1:26379/1', { masterName: 'm' }).options).not.toHaveProperty('sentinelPassword');
    expect(parseRedisUrl('sentinel://u:pw@h1:26379/1', { masterName: 'm' }).options).not.toHaveProperty('sentinelUsername');
    expect(() => parseRedisUrl('sentinel://h1:26379/1', { masterName: 'm', sentinelKwargs: { ssl_ca_certs: '/ca.pem' } })).toThrow(/^broker sentinel:\/\/h1:26379\/1: sentinel_kwargs has/);
  });

  it('a backend must say ssl_cert_reqs, as Celery requires; the URL takes no ssl_* parameters', () => {
    expect(() => parseRedisUrl('sentinel://h:26379/2', { masterName: 'm', useSsl: pair, sslRole: 'backend', readFile }))
      .toThrow(/^result backend sentinel:\/\/h:26379\/2: a TLS result backend over sentinel:\/\/ must set ssl_cert_reqs/);
    expect(parseRedisUrl('sentinel://h:26379/2', { masterName: 'm', useSsl: { ...pair, ssl_cert_reqs: 'required' }, sslRole: 'backend', readFile }).options.tls)
      .toMatchObject({ rejectUnauthorized: true });
    expect(() => parseRedisUrl('sentinel://h:26379/2?ssl_cert_reqs=required', { masterName: 'm' }))
      .toThrow(/a sentinel:\/\/ URL takes no ssl_\* parameters: give TLS to the master in broker_use_ssl, and to the sentinels in sentinel_kwargs/);
  });
});
