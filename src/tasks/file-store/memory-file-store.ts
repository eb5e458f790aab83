import { assertValidFileKey, collectFileBody, type FileBody, type FileStore, type PutFileResult, type StoredFile } from './file-store';

/** A FileStore in memory, for tests; `now` stamps modification times. */
export class MemoryFileStore implements FileStore {
  private readonly files = new Map<string, { data: Uint8Array; modifiedAt: Date }>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async put(key: string, body: FileBody): Promise<PutFileResult> {
    assertValidFileKey(key);
    const data = Uint8Array.from(await collectFileBody(body));
    this.files.set(key, { data, modifiedAt: this.now() });
    return { key, sizeBytes: data.byteLength, location: this.locate(key) };
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertValidFileKey(key);
    const f = this.files.get(key);
    return f ? Uint8Array.from(f.data) : null;
  }

  async exists(key: string): Promise<boolean> {
    assertValidFileKey(key);
    return this.files.has(key);
  }

  async list(prefix = ''): Promise<StoredFile[]> {
    return [...this.files.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, f]) => ({ key, sizeBytes: f.data.byteLength, modifiedAt: f.modifiedAt }));
  }

  async delete(key: string): Promise<boolean> {
    assertValidFileKey(key);
    return this.files.delete(key);
  }

  locate(key: string): string {
    return `memory:${key}`;
  }
}
