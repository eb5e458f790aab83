import { readdirSync, readFileSync } from 'node:fs';

/** Peak resident set (VmHWM, KiB) of one process from /proc, or 0 once it has gone. */
export function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process exited between listing and reading
  }
}

/** Pids of every live descendant of `pid` (prefork pool children), from the ppid field of /proc/<n>/stat. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // fields after the parenthesised command: state ppid ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // raced with an exiting process
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop() as number;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

/** Sum of VmHWM over a process and all its descendants, in MiB. */
export function treePeakRssMiB(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + peakRssKiB(p), 0) / 1024;
}
