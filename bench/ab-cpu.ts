// A/B of celeriac builds on worker CPU per task: `node dist/bench/ab-cpu.js <root> [<root> ...]`, each root a
// checkout with its own dist/ built (e.g. a `git archive` of the baseline commit next to this tree). One private
// redis-server, one Python-produced stash of no-op tasks, runs interleaved (A, B, A, B, ...) so machine load
// hits every variant alike; prints per variant the median and min–max of worker CPU µs/task, Redis calls/task
// and steady tasks/s. AB_TASKS (30000), AB_REPEATS (5), AB_EVENTS=1 adds -E, AB_PROFILE_DIR writes one
// --cpu-prof profile per variant there (one more run each, not in the figures), sampled every AB_PROFILE_INTERVAL_US
// (node's default 1000 µs when unset). AB_NODE_FLAGS_A, AB_NODE_FLAGS_B, ... (space-separated) start that variant's
// workers with those node flags, so a V8 setting can be compared on one build (`ab-cpu.js . .`). AB_PROXY_MS=1 puts the workers
// (broker and results) behind bench/delay-proxy.ts with that delay each way, as the bench's proxy section does.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from '../interop-tests/helpers/child-registry';
import { ManagedProcess } from '../interop-tests/helpers/managed-process';
import { startDelayProxy, type DelayProxy } from './delay-proxy';
import { BenchRedis, BROKER_DB, drain, log, RESULT_DB, type DrainRun, type MessageSpec } from './bench-core';
import type { Impl, WorkerSpec } from './bench-legs';

const TASKS = Number(process.env.AB_TASKS ?? 30_000);
const REPEATS = Number(process.env.AB_REPEATS ?? 5);
const EVENTS = process.env.AB_EVENTS === '1';
const PROFILE_DIR = process.env.AB_PROFILE_DIR;
const PROXY_MS = Number(process.env.AB_PROXY_MS ?? 0);
const PROFILE_INTERVAL_US = process.env.AB_PROFILE_INTERVAL_US;
const NOOP: MessageSpec = { task: 'bench.noop' };

function rootImpl(root: string, label: string, nodeFlags: readonly string[]): Impl {
  const bin = join(root, 'bin', 'celeriac.js');
  const app = join(root, 'bench', 'apps', 'bench-app.js');
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`${root}: dist/ is missing (npm run build there)`);
  return {
    key: 'celeriac',
    name: label,
    describe: () => `${label}: ${nodeFlags.length ? `node ${nodeFlags.join(' ')} ` : ''}celeriac worker -c 100 --acks-late${EVENTS ? ' -E' : ''}`,
    async start(brokerUrl, backendUrl, spec: WorkerSpec) {
      const args = [...nodeFlags, ...(spec.nodeFlags ?? []), bin, 'worker', '-A', app, '-Q', 'celery', '-c', '100', '--acks-late', '-n', 'ab@%h', '--loglevel', 'info',
        ...(EVENTS ? ['-E'] : [])];
      const proc = new ManagedProcess({
        command: process.execPath, args, cwd: root, label,
        env: { ...process.env, CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl },
      });
      await proc.waitForLine((l) => l.includes('"worker ready"'), 30_000, '"worker ready" log record');
      return { pid: proc.pid, get exited() { return proc.exited; }, tail: () => proc.tail(15), stop: () => proc.stop('SIGTERM', 30_000) };
    },
  };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 'n/a';
  const mid = s.length >> 1;
  const med = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return `${med.toFixed(1)} (${(s[0] as number).toFixed(1)}–${(s[s.length - 1] as number).toFixed(1)})`;
}

async function main(): Promise<void> {
  const roots = process.argv.slice(2);
  if (roots.length === 0) throw new Error('usage: node dist/bench/ab-cpu.js <root> [<root> ...]');
  const impls = roots.map((root, i) => {
    const letter = String.fromCharCode(65 + i);
    const flags = (process.env[`AB_NODE_FLAGS_${letter}`] ?? '').split(' ').filter((f) => f !== '');
    return rootImpl(root, `${letter}=${root}${flags.length ? ` ${flags.join(' ')}` : ''}`, flags);
  });
  const server = await startRedisServer();
  const r = new BenchRedis(server);
  const runs = impls.map(() => [] as DrainRun[]);
  let proxy: DelayProxy | undefined;
  try {
    await r.ensureProduced(NOOP, TASKS);
    if (PROXY_MS > 0) proxy = await startDelayProxy(server.port, PROXY_MS);
    const urls = proxy ? { brokerUrl: proxy.url(BROKER_DB), backendUrl: proxy.url(RESULT_DB) } : {};
    for (let rep = 1; rep <= REPEATS; rep++) {
      for (const [i, impl] of impls.entries()) {
        const run = await drain(r, { impl, spec: {}, messages: NOOP, tasks: TASKS, ...urls });
        log(`${impl.name} run ${rep}: cpu ${run.workerCpuUs?.toFixed(1)} µs/task, calls ${run.redis.callsPerTask().toFixed(3)}/task, steady ${run.steady?.toFixed(0)}/s${run.error ? ` ERROR ${run.error}` : ''}`);
        (runs[i] as DrainRun[]).push(run);
      }
    }
    if (PROFILE_DIR) {
      for (const [i, impl] of impls.entries()) {
        const dir = join(PROFILE_DIR, String.fromCharCode(65 + i));
        mkdirSync(dir, { recursive: true });
        await drain(r, { impl, spec: { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`,
          ...(PROFILE_INTERVAL_US ? [`--cpu-prof-interval=${PROFILE_INTERVAL_US}`] : [])] }, messages: NOOP, tasks: TASKS, ...urls });
        log(`profile of ${impl.name} in ${dir}`);
      }
    }
  } finally {
    await proxy?.stop();
    r.disconnect();
    await killAllChildren();
    await server.stop();
  }
  process.stdout.write(`tasks ${TASKS} x ${REPEATS}${EVENTS ? ', -E' : ''}${PROXY_MS ? `, behind a ${PROXY_MS} ms delay proxy` : ''}; median (min–max)\n`);
  for (const [i, impl] of impls.entries()) {
    const ok = (runs[i] as DrainRun[]).filter((x) => !x.error);
    const cmds = new Map<string, number>();
    for (const x of ok) for (const [k, c] of x.redis.commands) cmds.set(k, (cmds.get(k) ?? 0) + c.calls / x.tasks / ok.length);
    const perCmd = [...cmds].filter(([k]) => k !== 'dbsize' && k !== 'info').sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
    process.stdout.write(`${impl.name}\n  worker CPU µs/task ${stats(ok.map((x) => x.workerCpuUs ?? NaN))}\n`
      + `  Redis calls/task ${stats(ok.map((x) => x.redis.callsPerTask()))}; Redis CPU µs/task ${stats(ok.map((x) => x.redis.cpuUsPerTask()))}\n`
      + `  steady tasks/s ${stats(ok.map((x) => x.steady ?? NaN))}; errors ${runs[i]!.length - ok.length}\n  per command: ${perCmd}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
