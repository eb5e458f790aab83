import { open, readFile, rename, unlink } from 'node:fs/promises';
import { z } from 'zod';
import { BackendError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import type { BeatRunRecord, RecordedRun, RunClaim } from './amqp-beat-state-store';

/** The format tag written in every state file; another tag (or another program's file) is refused. */
export const BEAT_STATE_FORMAT = 'celeriac-beat-state/1';

const entrySchema = z.object({
  last_run_at: z.string(), last_run_ms: z.number(), fingerprint: z.string(), fence: z.number(),
  task_id: z.string(), confirmed: z.boolean(),
});
const fileSchema = z.object({ format: z.literal(BEAT_STATE_FORMAT), fence: z.number().int().nonnegative(), entries: z.record(z.string(), entrySchema) });

/** The state file's content: the last fence handed out and the last run per entry name. */
export type BeatStateFile = z.infer<typeof fileSchema>;

/**
 * Beat's last runs in a local JSON file, as Celery's PersistentScheduler keeps them in its
 * `celerybeat-schedule` shelve, but written (whole, to a temporary file, fsynced, renamed into place)
 * on every run instead of every 3 minutes, so a restart resumes exactly where the beat stopped.
 * `ownsLease(token)` is asked before each claim: only the holder of the lock file writes.
 *
 * File: `{"format": "celeriac-beat-state/1", "fence": n, "entries": {"<entry>": {"last_run_at": ISO,
 * "last_run_ms": n, "fingerprint": hex, "fence": n, "task_id": uuid, "confirmed": bool}}}`.
 */
export class AmqpBeatFileRecord implements BeatRunRecord {
  private state: BeatStateFile | null = null;

  constructor(readonly path: string, private readonly ownsLease: (token: string) => Promise<boolean>) {}

  async load(): Promise<Map<string, RecordedRun>> {
    const state = await this.read();
    return new Map(Object.entries(state.entries).map(([name, e]) => [name,
      { lastRunAt: new Date(e.last_run_ms), fingerprint: e.fingerprint, taskId: e.task_id, confirmed: e.confirmed }]));
  }

  async claim(c: RunClaim): Promise<'claimed' | 'already-sent' | 'not-leader'> {
    if (!(await this.ownsLease(c.leaseToken))) return 'not-leader';
    const state = await this.current();
    const cur = state.entries[c.entryName];
    if (cur && cur.fingerprint === c.fingerprint && cur.last_run_ms >= c.runAt.getTime()) return 'already-sent';
    await this.write({ ...state, entries: { ...state.entries, [c.entryName]: {
      last_run_at: c.runAt.toISOString(), last_run_ms: c.runAt.getTime(), fingerprint: c.fingerprint, fence: c.fence, task_id: c.taskId, confirmed: false,
    } } });
    return 'claimed';
  }

  async confirm(entryName: string, taskId: string): Promise<void> {
    const state = await this.current();
    const cur = state.entries[entryName];
    if (!cur || cur.task_id !== taskId || cur.confirmed) return;
    await this.write({ ...state, entries: { ...state.entries, [entryName]: { ...cur, confirmed: true } } });
  }

  /** Hands out the next fencing number (a new lock holder) and records it. */
  async nextFence(): Promise<number> {
    const state = await this.read();
    const fence = state.fence + 1;
    await this.write({ ...state, fence });
    return fence;
  }

  /** The last fencing number handed out. */
  async fence(): Promise<number> {
    return (await this.current()).fence;
  }

  private async current(): Promise<BeatStateFile> {
    return this.state ?? this.read();
  }

  /** Reads the file again (a missing file is an empty state); a file that is not ours is an error, never overwritten. */
  private async read(): Promise<BeatStateFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.failure('read', err);
      this.state = { format: BEAT_STATE_FORMAT, fence: 0, entries: {} };
      return this.state;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new BackendError('CELERIAC_BEAT_STATE_UNREADABLE', `beat state file ${this.path} is not JSON (${coerceError(err).message}); move it away to start fresh`);
    }
    const checked = fileSchema.safeParse(parsed);
    if (!checked.success) {
      throw new BackendError('CELERIAC_BEAT_STATE_UNREADABLE',
        `beat state file ${this.path} is not a ${BEAT_STATE_FORMAT} file (${checked.error.issues[0]?.path.join('.') ?? ''}: ${checked.error.issues[0]?.message ?? ''}); move it away to start fresh`);
    }
    this.state = checked.data;
    return this.state;
  }

  private async write(next: BeatStateFile): Promise<void> {
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      const file = await open(tmp, 'w', 0o600);
      try {
        await file.writeFile(`${JSON.stringify(next)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw this.failure('write', err);
    }
    this.state = next;
  }

  private failure(what: string, err: unknown): BackendError {
    return new BackendError('CELERIAC_BEAT_STATE_FAILED', `beat state file ${this.path}: cannot ${what}: ${coerceError(err).message}`, { cause: err });
  }
}
