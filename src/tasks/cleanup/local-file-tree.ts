import { randomUUID } from 'node:crypto';
import { lstat, mkdir, opendir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CeleriacError } from '../../errors/celeriac-error';
import type { FileEntry, FileTree } from './file-tree';

/** A path given to removeFile that lies outside the tree. */
export class FileTreeEscapeError extends CeleriacError {
  constructor(path: string, root: string) {
    super('CELERIAC_TASK_PATH_OUTSIDE_ROOT', `refusing ${path}: not inside ${root}`);
  }
}

/** FileTree over a local directory (created when missing). Never leaves the root, never follows links. */
export class LocalFileTree implements FileTree {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async *listFiles(): AsyncIterable<FileEntry> {
    yield* this.walk(this.root);
  }

  private async *walk(dir: string): AsyncIterable<FileEntry> {
    let handle;
    try {
      handle = await opendir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing stored yet, or removed meanwhile
      throw err;
    }
    for await (const entry of handle) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) yield* this.walk(full);
      else if (entry.isFile()) {
        const st = await lstat(full).catch(() => null); // gone between listing and stat
        if (st?.isFile()) yield { path: relative(this.root, full).split(sep).join('/'), modifiedAt: st.mtime, sizeBytes: st.size };
      }
    }
  }

  async removeFile(path: string): Promise<boolean> {
    const full = this.resolveInside(path);
    try {
      await unlink(full);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async checkWritable(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = join(this.root, `.celeriac-health-${randomUUID()}`);
    const token = randomUUID();
    try {
      await writeFile(probe, token, { flag: 'wx' });
      if ((await readFile(probe, 'utf8')) !== token) throw new Error(`probe file ${probe} read back differently`);
    } finally {
      await rm(probe, { force: true });
    }
  }

  private resolveInside(path: string): string {
    const full = resolve(this.root, path);
    const rel = relative(this.root, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new FileTreeEscapeError(path, this.root);
    return full;
  }
}
