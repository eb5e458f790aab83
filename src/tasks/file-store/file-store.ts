import { CeleriacError } from '../../errors/celeriac-error';

/** What is known about a stored file. */
export interface StoredFile {
  key: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/** What a put stored. */
export interface PutFileResult {
  key: string;
  sizeBytes: number;
  /** A path or URL, for a task's result. */
  location: string;
}

/** Body of a put: bytes, or chunks (a streamed CSV export) written as they come. */
export type FileBody = Uint8Array | string | AsyncIterable<Uint8Array | string>;

/**
 * Where task families keep files (certificates, exports), by key: `certificates/CERT-....pdf`.
 * Keys are `/`-separated segments of `[A-Za-z0-9._-]` (no `..`, no leading `/`), so a directory
 * store and an object store (S3 keys) read them the same way. A put is atomic: a reader sees the
 * old file or the whole new one, never a part.
 */
export interface FileStore {
  /** Writes (or replaces) the file; returns its size and location. */
  put(key: string, body: FileBody, options?: { contentType?: string }): Promise<PutFileResult>;
  /** The file's bytes, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  exists(key: string): Promise<boolean>;
  /** Files whose key starts with `prefix`, in key order. */
  list(prefix?: string): Promise<StoredFile[]>;
  /** Removes the file; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** Where a key is (or would be) stored, without I/O. */
  locate(key: string): string;
}

/** A key that is not a safe relative path. */
export class InvalidFileKey extends CeleriacError {
  constructor(key: string, reason: string) {
    super('CELERIAC_FILE_KEY_INVALID', `invalid file key ${JSON.stringify(key)}: ${reason}`);
  }
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws InvalidFileKey unless `key` is non-empty `/`-separated safe segments without `.`/`..`. */
export function assertValidFileKey(key: string): void {
  if (key.length === 0 || key.length > 1024) throw new InvalidFileKey(key, 'must be 1 to 1024 characters');
  for (const segment of key.split('/')) {
    if (segment === '' ) throw new InvalidFileKey(key, 'empty segment (leading, trailing or double /)');
    if (segment === '.' || segment === '..') throw new InvalidFileKey(key, 'no . or .. segments');
    if (!SEGMENT.test(segment)) throw new InvalidFileKey(key, 'segments may hold only A-Z a-z 0-9 . _ -');
  }
}

/** Collects a FileBody into one buffer (the memory store, small bodies). */
export async function collectFileBody(body: FileBody): Promise<Uint8Array> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
