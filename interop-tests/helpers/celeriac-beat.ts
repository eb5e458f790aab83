// `celeriac beat --schedule <file>` as a child process of a test, and what it logged it sent.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CELERIAC_BIN, type LogRecord } from './celeriac-worker';
import { ManagedProcess } from './managed-process';
import { REPO_ROOT } from './python';

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
