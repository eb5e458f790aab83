// `celeriac beat --schedule <file>` as a child process of a test, and what it logged it sent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CELERIAC_BIN, type LogRecord } from './celeriac-worker';
import { ManagedProcess } from './managed-process';
import { REPO_ROOT } from './python';
import { waitUntil } from './redis-probe';

/** One run a beat logged as sent (published and, on RabbitMQ, confirmed). */
export interface SentRun {
  readonly entry: string;
  readonly taskId: string;
  readonly runAtMs: number;
}

/** Writes `schedule` to `<dir>/<label>.json` and starts `celeriac beat` on it with `env` over the test's own environment. */
export function startCeleriacBeat(dir: string, label: string, schedule: Record<string, unknown>, args: readonly string[],
  env: Record<string, string>): ManagedProcess {
  const file = join(dir, `${label}.json`);
  writeFileSync(file, JSON.stringify(schedule));
  return new ManagedProcess({ command: process.execPath, label, cwd: REPO_ROOT, env: { ...process.env, ...env },
    args: [CELERIAC_BIN, 'beat', '--schedule', file, ...args] });
}

/** The JSON log records a process wrote so far. */
export function logRecords(proc: ManagedProcess): LogRecord[] {
  return proc.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogRecord);
}

/** The runs a beat logged as sent, in order. */
export function beatSentRuns(proc: ManagedProcess): SentRun[] {
  return logRecords(proc).filter((r) => r.msg === 'beat sent task')
    .map((r) => ({ entry: String(r.entry), taskId: String(r.taskId), runAtMs: Date.parse(String(r.runAt)) }));
}

/**
 * Runs a beat with one entry `tick` (`task` every second with `args`) until it logged `runs` runs as
 * sent, stops it with SIGTERM (it must exit 0) and returns the sent runs' task ids.
 */
export async function beatTicks(label: string, task: string, args: readonly unknown[], env: Record<string, string>,
  runs = 2): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), `celeriac-${label}-`));
  try {
    const beat = startCeleriacBeat(dir, label, { tick: { task, schedule: 1, args } }, ['--lease-ms', '3000'], env);
    await waitUntil(async () => (beatSentRuns(beat).length >= runs ? true : undefined), `${runs} runs sent`, { timeoutMs: 30_000 });
    const stopped = await beat.stop('SIGTERM', 10_000);
    if (stopped.code !== 0) throw new Error(`${label} exited with ${JSON.stringify(stopped)}`);
    return beatSentRuns(beat).map((r) => r.taskId);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
