import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCleanupTasks } from '../../../../src/tasks/cleanup/create-cleanup-tasks';
import { LocalFileTree } from '../../../../src/tasks/cleanup/local-file-tree';

const NOW = new Date('2026-06-01T02:00:00Z');
const DAY = 86_400_000;
const task = { log: pino({ level: 'silent' }), signal: new AbortController().signal };

describe('maintenance on real directories', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'celeriac-cleanup-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  function put(rel: string, ageDays: number): string {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, `content of ${rel}`);
    const t = new Date(NOW.getTime() - ageDays * DAY);
    utimesSync(p, t, t);
    return p;
  }

  it('cleanup_old_files removes only files older than N days, in subdirectories too, never through a link', async () => {
    const storage = join(dir, 'storage');
    const outside = put('outside/precious.pdf', 400);
    const keep = [put('storage/new.pdf', 1), put('storage/certificates/edge.pdf', 29.9), put('storage/exports/recent.csv', 0)];
    const old = [put('storage/old.pdf', 31), put('storage/certificates/2025/ancient.pdf', 400)];
    symlinkSync(join(dir, 'outside'), join(storage, 'linked-dir'));
    symlinkSync(outside, join(storage, 'linked-file.pdf'));
    const tasks = createCleanupTasks({
      storage: new LocalFileTree(storage), temporary: new LocalFileTree(join(dir, 'tmp')),
      sessions: { deleteExpiredSessions: async () => 0 }, probes: [], now: () => NOW,
    });
    const r = await tasks.cleanupOldFiles(task, 30);
    expect(r).toMatchObject({ removed: 2, kept: 3, errors: [] });
    for (const p of old) expect(existsSync(p)).toBe(false);
    for (const p of keep) expect(existsSync(p)).toBe(true);
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(join(storage, 'certificates/2025'))).toBe(true); // directories stay
  });

  it('cleanup_temporary_files sweeps the temp dir only; a missing dir is an empty sweep', async () => {
    const oldTemp = put('tmp/upload-1.part', 2);
    const freshTemp = put('tmp/upload-2.part', 0.5);
    const storageOld = put('storage/old.pdf', 90);
    const tasks = createCleanupTasks({
      storage: new LocalFileTree(join(dir, 'storage')), temporary: new LocalFileTree(join(dir, 'tmp')),
      sessions: { deleteExpiredSessions: async () => 0 }, probes: [], now: () => NOW,
    });
    expect(await tasks.cleanupTemporaryFiles(task)).toMatchObject({ removed: 1, kept: 1 });
    expect([existsSync(oldTemp), existsSync(freshTemp), existsSync(storageOld)]).toEqual([false, true, true]);
    const none = createCleanupTasks({ storage: new LocalFileTree(join(dir, 'nope')), temporary: new LocalFileTree(join(dir, 'nope2')),
      sessions: { deleteExpiredSessions: async () => 0 }, probes: [], now: () => NOW });
    expect(await none.cleanupTemporaryFiles(task)).toMatchObject({ removed: 0, kept: 0 });
  });

  it('the storage probe writes and removes a probe file, and fails on a read-only directory', async () => {
    const tree = new LocalFileTree(join(dir, 'storage'));
    await tree.checkWritable();
    const listed = [];
    for await (const f of tree.listFiles()) listed.push(f);
    expect(listed).toEqual([]);
    if (process.getuid?.() === 0) return; // root writes anywhere: the read-only case cannot be shown as root
    chmodSync(join(dir, 'storage'), 0o500);
    await expect(tree.checkWritable()).rejects.toThrow();
    chmodSync(join(dir, 'storage'), 0o700);
  });

  it('removeFile refuses paths outside the root', async () => {
    const tree = new LocalFileTree(join(dir, 'storage'));
    await expect(tree.removeFile('../outside.pdf')).rejects.toMatchObject({ code: 'CELERIAC_TASK_PATH_OUTSIDE_ROOT' });
  });
});
