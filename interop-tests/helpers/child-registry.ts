import type { ChildProcess } from 'node:child_process';

/** Every child process an interop helper spawned and has not yet seen exit. */
const live = new Set<ChildProcess>();

/** Remembers a spawned child until it exits, so a test can always kill what it started. */
export function trackChild(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Waits for a child to exit; resolves at once when it already has. */
export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** SIGKILLs every tracked child still running and waits until each has exited (call in afterAll/afterEach). */
export async function killAllChildren(): Promise<void> {
  const running = [...live];
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map(waitForExit));
}
