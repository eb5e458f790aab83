import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { assertValidFileKey, type FileBody, type FileStore, type PutFileResult, type StoredFile } from './file-store';

/** Suffix of in-progress writes; list() never shows them. */
const TEMP_MARK = '.celeriac-tmp-';

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * A FileStore in a directory (the default storage): key `a/b.pdf` is `<root>/a/b.pdf`. Writes go
 * to a temporary file in the same directory and are renamed into place, so a crash mid-write
 * leaves no partial file under the key. Several processes and threads may share the directory.
 */
export class DirectoryFileStore implements FileStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: FileBody): Promise<PutFileResult> {
    const path = this.locate(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : Readable.from(body);
      await pipeline(source, createWriteStream(tmp, { flags: 'wx' }));
      const { size } = await stat(tmp);
      await rename(tmp, path);
      return { key, sizeBytes: size, location: path };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.locate(key));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.locate(key))).isFile();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async list(prefix = ''): Promise<StoredFile[]> {
    const out: StoredFile[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return;
        throw err;
      }
      for (const e of entries) {
        const key = `${keyPrefix}${e.name}`;
        if (e.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) await walk(join(dir, e.name), `${key}/`);
        } else if (e.isFile() && !e.name.includes(TEMP_MARK) && key.startsWith(prefix)) {
          const s = await stat(join(dir, e.name)).catch(() => null);
          if (s) out.push({ key, sizeBytes: s.size, modifiedAt: new Date(s.mtimeMs) });
        }
      }
    };
    await walk(this.root, '');
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(this.locate(key));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  locate(key: string): string {
    assertValidFileKey(key);
    return join(this.root, ...key.split('/'));
  }
}
