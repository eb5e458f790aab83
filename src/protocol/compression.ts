import * as zlib from 'node:zlib';
import { ProtocolError } from '../errors/celeriac-error';

type Codec = 'zlib' | 'brotli' | 'zstd';

/** kombu's compression names and aliases (kombu `compression.py`) → the canonical header value. */
const CANONICAL: Readonly<Record<string, string>> = {
  'application/x-gzip': 'application/x-gzip', gzip: 'application/x-gzip', zlib: 'application/x-gzip',
  'application/x-brotli': 'application/x-brotli', brotli: 'application/x-brotli',
  'application/x-bz2': 'application/x-bz2', bzip2: 'application/x-bz2', bzip: 'application/x-bz2',
  'application/x-lzma': 'application/x-lzma', lzma: 'application/x-lzma', xz: 'application/x-lzma',
  'application/zstd': 'application/zstd', zstd: 'application/zstd', zstandard: 'application/zstd',
};

const CODEC: Readonly<Record<string, Codec>> = {
  'application/x-gzip': 'zlib', 'application/x-brotli': 'brotli', 'application/zstd': 'zstd',
};

/** zstd exists in node:zlib from Node 22.15/23.8 only. */
const zstd = zlib as unknown as {
  zstdDecompressSync?: (b: Buffer, o?: { maxOutputLength?: number }) => Buffer;
  zstdCompressSync?: (b: Buffer) => Buffer;
};

/** Limits for decompression. */
export interface DecompressOptions {
  /** Refuse output larger than this many bytes (decompression bombs) with `CELERIAC_PROTOCOL_TOO_LARGE`. */
  maxOutputBytes?: number;
}

/**
 * The canonical header value kombu writes for a compression name or alias (`zlib` →
 * `application/x-gzip`), or null when kombu does not know the name.
 */
export function canonicalCompression(name: string): string | null {
  return CANONICAL[name.toLowerCase()] ?? null;
}

/**
 * Decompresses a message body named by kombu's `compression` header. Supports the zlib stream kombu
 * writes for `application/x-gzip`/`gzip`/`zlib` (a real gzip member is accepted too), brotli, and
 * zstd where this Node has it. bz2 and lzma → ProtocolError `CELERIAC_PROTOCOL_COMPRESSION_UNSUPPORTED`;
 * corrupt data → `CELERIAC_PROTOCOL_BAD_BODY`; output over `maxOutputBytes` → `CELERIAC_PROTOCOL_TOO_LARGE`.
 */
export function decompressBody(body: Buffer, compression: string, options: DecompressOptions = {}): Buffer {
  const codec = codecFor(compression);
  const limit = options.maxOutputBytes === undefined ? {} : { maxOutputLength: Math.max(1, options.maxOutputBytes) };
  try {
    if (codec === 'zlib') {
      return body[0] === 0x1f && body[1] === 0x8b ? zlib.gunzipSync(body, limit) : zlib.inflateSync(body, limit);
    }
    if (codec === 'brotli') return zlib.brotliDecompressSync(body, limit);
    return (zstd.zstdDecompressSync as NonNullable<typeof zstd.zstdDecompressSync>)(body, limit);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new ProtocolError('CELERIAC_PROTOCOL_TOO_LARGE', `decompressed body exceeds ${options.maxOutputBytes} bytes`, { cause: err });
    }
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_BODY', `cannot decompress body (${compression}): ${(err as Error).message}`, { cause: err });
  }
}

/** Compresses a body as kombu does for the named compression (zlib stream for `application/x-gzip`). */
export function compressBody(body: Buffer, compression: string): Buffer {
  const codec = codecFor(compression);
  if (codec === 'zlib') return zlib.deflateSync(body);
  if (codec === 'brotli') return zlib.brotliCompressSync(body);
  return (zstd.zstdCompressSync as NonNullable<typeof zstd.zstdCompressSync>)(body);
}

function codecFor(compression: string): Codec {
  const canonical = canonicalCompression(compression);
  if (canonical === null) {
    throw new ProtocolError('CELERIAC_PROTOCOL_COMPRESSION_UNSUPPORTED', `unknown compression ${JSON.stringify(compression)}`);
  }
  const codec = CODEC[canonical];
  if (codec === undefined || (codec === 'zstd' && typeof zstd.zstdDecompressSync !== 'function')) {
    throw new ProtocolError('CELERIAC_PROTOCOL_COMPRESSION_UNSUPPORTED',
      `compression ${canonical} is not supported by celeriac on this Node.js; use zlib (gzip) or brotli`);
  }
  return codec;
}
