import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { canonicalCompression, compressBody, decompressBody } from '../../../src/protocol';

const text = Buffer.from('[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]');

describe('compression', () => {
  it.each(['application/x-gzip', 'gzip', 'zlib'])('inflates the zlib stream kombu writes for %s', (name) => {
    expect(decompressBody(deflateSync(text), name).equals(text)).toBe(true);
  });

  it('also accepts a real gzip member under application/x-gzip', () => {
    expect(decompressBody(gzipSync(text), 'application/x-gzip').equals(text)).toBe(true);
  });

  it.each(['application/x-brotli', 'brotli'])('decompresses %s', (name) => {
    expect(decompressBody(brotliCompressSync(text), name).equals(text)).toBe(true);
  });

  it.each(['application/x-bz2', 'bzip2', 'application/x-lzma', 'xz'])('refuses %s as unsupported, naming it', (name) => {
    expect(() => decompressBody(text, name)).toThrow(expect.objectContaining({
      code: 'CELERIAC_PROTOCOL_COMPRESSION_UNSUPPORTED', message: expect.stringContaining(canonicalCompression(name) as string) }));
  });

  it('refuses an unknown name', () => {
    expect(() => decompressBody(text, 'rot13')).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_COMPRESSION_UNSUPPORTED' }));
  });

  it('reports corrupt data as BAD_BODY and oversized output as TOO_LARGE', () => {
    expect(() => decompressBody(Buffer.from('not zlib'), 'zlib')).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_BAD_BODY' }));
    const bomb = deflateSync(Buffer.alloc(1 << 20));
    expect(() => decompressBody(bomb, 'zlib', { maxOutputBytes: 1000 })).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_TOO_LARGE' }));
  });

  it('compressBody round-trips and canonicalCompression maps aliases as kombu does', () => {
    for (const name of ['zlib', 'brotli']) expect(decompressBody(compressBody(text, name), name).equals(text)).toBe(true);
    expect(canonicalCompression('zlib')).toBe('application/x-gzip');
    expect(canonicalCompression('zstandard')).toBe('application/zstd');
    expect(canonicalCompression('nope')).toBeNull();
  });
});
