import pino from 'pino';
import { createCleanupTasks } from '../../../../src/tasks/cleanup/create-cleanup-tasks';
import type { FileEntry, FileTree } from '../../../../src/tasks/cleanup/file-tree';
import type { SessionStore } from '../../../../src/tasks/cleanup/session-store';

const NOW = new Date('2026-06-01T02:00:00Z');
const DAY = 86_400_000;

class FakeTree implements FileTree {
  readonly removed: string[] = [];
  failRemove = new Set<string>();
  writable = true;
  constructor(readonly root: string, readonly files: FileEntry[]) {}
  async *listFiles() { yield* this.files; }
  async removeFile(path: string) {
    if (this.failRemove.has(path)) throw new Error('EACCES');
    this.removed.push(path);
    return true;
  }
  async checkWritable() { if (!this.writable) throw new Error('read-only file system'); }
}

const file = (path: string, ageMs: number, sizeBytes = 10): FileEntry => ({ path, modifiedAt: new Date(NOW.getTime() - ageMs), sizeBytes });
const task = { log: pino({ level: 'silent' }), signal: new AbortController().signal };

function setup() {
  const storage = new FakeTree('/data/storage', [file('a.pdf', 31 * DAY, 100), file('b.pdf', 29 * DAY), file('old/c.csv', 400 * DAY, 5), file('locked.pdf', 40 * DAY)]);
  storage.failRemove.add('locked.pdf');
  const temporary = new FakeTree('/tmp/lms', [file('x.tmp', 25 * 3_600_000), file('y.tmp', 23 * 3_600_000)]);
  const cutoffs: Date[] = [];
  const sessions: SessionStore = { deleteExpiredSessions: async (now) => { cutoffs.push(now); return 3; } };
  let dbUp = true;
  const tasks = createCleanupTasks({
    storage, temporary, sessions, now: () => NOW, probeTimeoutMs: 1000,
    probes: [{ name: 'database', check: async () => { if (!dbUp) throw new Error('connection refused'); return { dialect: 'sqlite' }; } },
      { name: 'storage', check: () => storage.checkWritable() }],
  });
  return { storage, temporary, cutoffs, tasks, setDb: (up: boolean) => { dbUp = up; } };
}

describe('maintenance tasks', () => {
  it('cleanup_old_files removes only files older than max_age_days (default 30) and reports what failed', async () => {
    const { tasks, storage } = setup();
    const r = await tasks.cleanupOldFiles(task);
    expect(storage.removed).toEqual(['a.pdf', 'old/c.csv']);
    expect(r).toEqual({ root: '/data/storage', removed: 2, kept: 1, bytes_freed: 105, max_age_days: 30, errors: [{ path: 'locked.pdf', error: 'EACCES' }] });
    const { tasks: t2, storage: s2 } = setup();
    await t2.cleanupOldFiles(task, 365);
    expect(s2.removed).toEqual(['old/c.csv']);
    await expect(t2.cleanupOldFiles(task, -1)).rejects.toMatchObject({ pythonType: 'ValueError' });
  });

  it('cleanup_temporary_files removes temp files older than a day', async () => {
    const { tasks, temporary } = setup();
    expect(await tasks.cleanupTemporaryFiles(task)).toMatchObject({ removed: 1, kept: 1 });
    expect(temporary.removed).toEqual(['x.tmp']);
  });

  it('cleanup_old_sessions deletes sessions expired before now', async () => {
    const { tasks, cutoffs } = setup();
    expect(await tasks.cleanupOldSessions(task)).toEqual({ deleted: 3 });
    expect(cutoffs).toEqual([NOW]);
  });

  it('periodic_health_check reports each probe and is unhealthy when one fails', async () => {
    const { tasks, storage, setDb } = setup();
    const ok = await tasks.periodicHealthCheck(task);
    expect(ok).toMatchObject({ status: 'healthy', checked_at: NOW.toISOString(), checks: { database: { status: 'healthy', dialect: 'sqlite' }, storage: { status: 'healthy' } } });
    setDb(false);
    storage.writable = false;
    const bad = await tasks.periodicHealthCheck(task);
    expect(bad).toMatchObject({ status: 'unhealthy', checks: { database: { status: 'unhealthy', error: 'connection refused' }, storage: { status: 'unhealthy', error: 'read-only file system' } } });
  });
});
