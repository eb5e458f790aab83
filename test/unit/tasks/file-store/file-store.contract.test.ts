// One contract for every FileStore: the in-memory one and the directory one (in a temp dir).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DirectoryFileStore } from '../../../../src/tasks/file-store/directory-file-store';
import { InvalidFileKey, type FileStore } from '../../../../src/tasks/file-store/file-store';
import { MemoryFileStore } from '../../../../src/tasks/file-store/memory-file-store';

function describeFileStoreContract(name: string, open: () => Promise<{ store: FileStore; cleanup: () => Promise<void> }>): void {
  describe(`FileStore contract: ${name}`, () => {
    let store: FileStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ store, cleanup } = await open()));
    afterEach(async () => cleanup());

    it('puts, gets, replaces and deletes by key', async () => {
      const put = await store.put('certificates/CERT-1.pdf', Buffer.from('%PDF-1'), { contentType: 'application/pdf' });
      expect(put).toMatchObject({ key: 'certificates/CERT-1.pdf', sizeBytes: 6, location: store.locate('certificates/CERT-1.pdf') });
      expect(Buffer.from((await store.get('certificates/CERT-1.pdf')) ?? []).toString()).toBe('%PDF-1');
      expect(await store.exists('certificates/CERT-1.pdf')).toBe(true);
      await store.put('certificates/CERT-1.pdf', 'v2');
      expect(Buffer.from((await store.get('certificates/CERT-1.pdf')) ?? []).toString()).toBe('v2');
      expect(await store.delete('certificates/CERT-1.pdf')).toBe(true);
      expect(await store.delete('certificates/CERT-1.pdf')).toBe(false);
      expect(await store.get('certificates/CERT-1.pdf')).toBeNull();
      expect(await store.exists('certificates/CERT-1.pdf')).toBe(false);
    });

    it('streams a body given as chunks (a Readable)', async () => {
      const put = await store.put('exports/students.csv', Readable.from(['id,name\n', Buffer.from('1,Ada\n')]));
      expect(put.sizeBytes).toBe(14);
      expect(Buffer.from((await store.get('exports/students.csv')) ?? []).toString()).toBe('id,name\n1,Ada\n');
    });

    it('lists by prefix in key order, with sizes and modification times', async () => {
      await store.put('b/2.txt', 'bb');
      await store.put('a/1.txt', 'a');
      await store.put('a/sub/3.txt', 'ccc');
      await store.put('ab.txt', 'x');
      expect((await store.list('a/')).map((f) => [f.key, f.sizeBytes])).toEqual([['a/1.txt', 1], ['a/sub/3.txt', 3]]);
      expect((await store.list()).map((f) => f.key)).toEqual(['a/1.txt', 'a/sub/3.txt', 'ab.txt', 'b/2.txt']);
      expect((await store.list('a'))).toHaveLength(3);
      expect((await store.list('zz/'))).toEqual([]);
      expect((await store.list())[0]?.modifiedAt).toBeInstanceOf(Date);
    });

    it('refuses keys that could escape the store or are not portable', async () => {
      for (const key of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', 'a/./b', 'a\\b', 'dir/', 'spa ce', 'nul\0']) {
        await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidFileKey);
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidFileKey);
      }
    });
  });
}

describeFileStoreContract('MemoryFileStore', async () => ({ store: new MemoryFileStore(), cleanup: async () => undefined }));

describeFileStoreContract('DirectoryFileStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-files-'));
  return { store: new DirectoryFileStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('DirectoryFileStore specifics', () => {
  it('stores key a/b.pdf at <root>/a/b.pdf and leaves no temp file behind, even when the body fails midway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'celeriac-files-'));
    try {
      const store = new DirectoryFileStore(dir);
      expect(store.locate('a/b.pdf')).toBe(join(dir, 'a', 'b.pdf'));
      await store.put('a/b.pdf', 'old');
      async function* failing(): AsyncGenerator<string> { yield 'partial'; throw new Error('source broke'); }
      await expect(store.put('a/b.pdf', failing())).rejects.toThrow('source broke');
      expect(Buffer.from((await store.get('a/b.pdf')) ?? []).toString()).toBe('old');
      expect(await readdir(join(dir, 'a'))).toEqual(['b.pdf']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
