import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Peak resident set (VmHWM, KiB) of one process from /proc, or 0 once it has gone. */
export function peakRssKiB(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** Current resident set (VmRSS, KiB) of one process, or 0 once it has gone. */
export function rssKiB(pid: number): number {
  return statusField(pid, 'VmRSS');
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process exited between listing and reading
  }
}

/** Fields of /proc/<pid>/stat after the parenthesised command (index 0 = state, 1 = ppid, 11 = utime, 12 = stime). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // raced with an exiting process
  }
}

/** Pids of every live descendant of `pid` (prefork pool children), from the ppid field of /proc/<n>/stat. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
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

let clockTicks: number | undefined;

/** USER_HZ (`getconf CLK_TCK`), the unit of utime/stime; 100 when getconf is missing. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) used so far by a process and its live descendants. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    const f = statFields(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / ticksPerSecond();
}
