import type Redis from 'ioredis';

/** One moment of the server's counters: INFO commandstats and INFO cpu. */
export interface RedisSnapshot {
  commands: Map<string, { calls: number; usec: number }>;
  /** used_cpu_user + used_cpu_sys, seconds. */
  cpuSec: number;
}

export async function redisSnapshot(client: Redis): Promise<RedisSnapshot> {
  const [stats, cpu] = await Promise.all([client.info('commandstats'), client.info('cpu')]);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const line of stats.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) commands.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return { commands, cpuSec: field('used_cpu_user') + field('used_cpu_sys') };
}

/** Per-command counters between two snapshots, summed over legs with `add`. */
export class CommandDelta {
  readonly commands = new Map<string, { calls: number; usec: number }>();
  cpuSec = 0;
  tasks = 0;

  add(before: RedisSnapshot, after: RedisSnapshot, tasks: number): void {
    for (const [name, a] of after.commands) {
      const b = before.commands.get(name) ?? { calls: 0, usec: 0 };
      if (a.calls === b.calls) continue;
      const acc = this.commands.get(name) ?? { calls: 0, usec: 0 };
      acc.calls += a.calls - b.calls;
      acc.usec += a.usec - b.usec;
      this.commands.set(name, acc);
    }
    this.cpuSec += after.cpuSec - before.cpuSec;
    this.tasks += tasks;
  }

  /** Commands the bench itself sends while a leg runs (progress polling), left out of the per-task sums. */
  static readonly BENCH_OWN = new Set(['dbsize', 'info']);

  /** Calls per task summed over the worker's commands. */
  callsPerTask(): number {
    let calls = 0;
    for (const [name, c] of this.commands) if (!CommandDelta.BENCH_OWN.has(name)) calls += c.calls;
    return this.tasks > 0 ? calls / this.tasks : NaN;
  }

  /** Redis CPU (user+sys, whole server) per task, µs. */
  cpuUsPerTask(): number {
    return this.tasks > 0 ? (this.cpuSec * 1e6) / this.tasks : NaN;
  }
}
