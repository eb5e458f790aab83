import { spawn, type ChildProcess } from 'node:child_process';
import { CeleriacError } from '../../src/errors/celeriac-error';
import { trackChild, waitForExit } from './child-registry';

/** How to start a long-running child (a worker) whose output a test inspects. */
export interface ManagedProcessOptions {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Short name used in error messages (`celeriac ts1@host`). */
  label: string;
}

/** A spawned worker process: every stdout/stderr line is kept, and tests wait on lines or exit. */
export class ManagedProcess {
  /** Every output line so far, stdout and stderr interleaved in arrival order. */
  readonly lines: string[] = [];
  readonly label: string;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(opts: ManagedProcessOptions) {
    this.label = opts.label;
    this.child = trackChild(spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child.once('error', (err) => this.lines.push(`[spawn error] ${err.message}`));
    this.collect(this.child.stdout);
    this.collect(this.child.stderr);
    this.child.once('exit', () => this.notify());
  }

  /** OS process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resolves with the first line (seen so far or later) that matches; rejects on exit or timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        const found = this.lines.find(match);
        if (found !== undefined) return finish(() => resolve(found));
        if (this.exited) finish(() => reject(this.failure(`exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}`)));
      };
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      timer = setTimeout(() => finish(() => reject(this.failure(`no ${what} within ${timeoutMs} ms`))), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a signal and waits for exit; SIGKILLs after `graceMs`. Resolves with the exit code/signal. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exited) return waitForExit(this.child);
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await waitForExit(this.child);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `kill -9`: no cleanup at all, as a crash or OOM kill. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.stop('SIGKILL');
  }

  /** The last lines of output, for failure messages. */
  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  private failure(message: string): CeleriacError {
    return new CeleriacError('CELERIAC_TEST_PROCESS', `${this.label}: ${message}\n--- last output ---\n${this.tail()}`);
  }

  private collect(stream: NodeJS.ReadableStream | null): void {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      if (parts.length === 0) return;
      this.lines.push(...parts);
      this.notify();
    });
    stream?.on('end', () => {
      if (partial) this.lines.push(partial);
      partial = '';
      this.notify();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
