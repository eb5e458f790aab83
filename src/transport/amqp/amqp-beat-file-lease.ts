import { randomUUID } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { BeatLease } from '../../beat/beat-state-store';
import { BackendError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';

/** Who holds a lock file: written whole when the lock is taken. */
interface LockHolder {
  token: string;
  pid: number;
  hostname: string;
  since: string;
}

/**
 * The lease of a beat that keeps its state in a local file: a lock file next to it
 * (`<state file>.lock`, created whole with link(2), so it exists complete or not at all). It has no
 * expiry: a second beat on the same state file stands by while the holder's process lives, and takes
 * over once it is gone (same host, pid no longer running: a beat killed with -9 leaves its lock
 * behind). A lock left by a beat of another host is never taken over: delete it by hand. It does not
 * stop a beat on another machine with its own state file: run one beat per broker.
 */
export class AmqpBeatFileLease implements BeatLease {
  /** Random token identifying this holder. */
  readonly token = randomUUID();
  private warnedHolder = '';

  constructor(readonly lockPath: string, private readonly fences: { nextFence(): Promise<number>; fence(): Promise<number> },
    private readonly log: Logger, private readonly isAlive: (pid: number) => boolean = processIsAlive) {}

  async acquire(): Promise<number | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.create()) return this.fences.nextFence();
      const holder = await this.holder();
      if (holder?.token === this.token) return this.fences.fence();
      if (holder && (holder.hostname !== hostname() || this.isAlive(holder.pid))) {
        this.warnHeld(holder);
        return null;
      }
      // Left by a beat that is gone (or unreadable): remove it and try once more.
      this.log.warn({ lockFile: this.lockPath, holder }, 'beat removes a lock file left by a stopped beat');
      await unlink(this.lockPath).catch((err: unknown) => { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.failure('remove', err); });
    }
    return null;
  }

  /** True while the lock file still names us. */
  async renew(): Promise<boolean> {
    return (await this.holder())?.token === this.token;
  }

  async release(): Promise<void> {
    if (await this.renew()) await unlink(this.lockPath).catch(() => undefined);
  }

  /** Creates the lock file naming us; false when it exists already. */
  private async create(): Promise<boolean> {
    const me: LockHolder = { token: this.token, pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
    const tmp = `${this.lockPath}.${this.token}`;
    try {
      await writeFile(tmp, `${JSON.stringify(me)}\n`, { mode: 0o600 });
      await link(tmp, this.lockPath);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw this.failure('create', err);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  private async holder(): Promise<LockHolder | null> {
    try {
      const parsed = JSON.parse(await readFile(this.lockPath, 'utf8')) as Partial<LockHolder>;
      return typeof parsed.token === 'string' && typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' ? parsed as LockHolder : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if (err instanceof SyntaxError) return null;
      throw this.failure('read', err);
    }
  }

  private warnHeld(holder: LockHolder): void {
    if (this.warnedHolder === holder.token) return;
    this.warnedHolder = holder.token;
    this.log.warn({ lockFile: this.lockPath, pid: holder.pid, hostname: holder.hostname, since: holder.since },
      holder.hostname === hostname() ? 'another beat holds the state file; standing by'
        : 'a beat of another host holds the state file; standing by (delete the lock file if that beat is gone)');
  }

  private failure(what: string, err: unknown): BackendError {
    return new BackendError('CELERIAC_BEAT_LEASE_FAILED', `beat lock file ${this.lockPath}: cannot ${what}: ${coerceError(err).message}`, { cause: err });
  }
}

/** Whether a process of this host runs under `pid` (EPERM: it does, as another user). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
