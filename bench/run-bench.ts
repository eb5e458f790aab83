// `npm run bench`: celeriac beside Python Celery 5.6.2 (prefork) and celery-node 0.5.9 on one private
// redis-server this process starts, printed as Markdown tables with ratios and the issue-8 targets.
// Sections (BENCH_ONLY=throughput,latency,seeds,proxy,memory): throughput, latency, seeds, proxy, memory.
// BENCH_QUICK=1 shrinks every count for a smoke run of the harness; see METHOD below for the rest.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from '../interop-tests/helpers/child-registry';
import { REPO_ROOT, venvBin } from '../interop-tests/helpers/python';
import { celeriacEventsImpl, celeriacImpl, celeryNodeImpl, pythonEventsImpl, pythonImpl, type BenchWorker, type Impl, type WorkerSpec } from './bench-legs';
import {
  BenchRedis, BROKER_DB, drain, firstLine, latency, log, pushCopies, RESULT_DB, type DrainRun, type LatencyCase, type LatencyRun, type MessageSpec,
} from './bench-core';
import { startDelayProxy } from './delay-proxy';
import { rabbitmqSection } from './rabbitmq-leg';
import { rssKiB, descendants, treePeakRssMiB } from './process-memory';
import { CommandDelta } from './redis-stats';
import { readDoneTimes, steadyRate } from './result-scan';
import { fmt, median, spread } from './bench-format';
import { count, num, QUICK } from './bench-knobs';
import { latencyCell, roundsAtOrBelow, summarizeRounds } from './latency-rounds';

const CFG = {
  nodeTasks: count('BENCH_TASKS', 100_000, 5_000),
  pyTasks: count('BENCH_PY_TASKS', 20_000, 1_000),
  repeats: count('BENCH_REPEATS', 3, 1),
  /** Python prefork throughput runs, interleaved with the Node legs' first ones (its ratio flips with its own spread). */
  pyRepeats: count('BENCH_PY_REPEATS', 2, 1),
  latencyCalls: count('BENCH_LATENCY_CALLS', 2000, 50),
  latencyWarmup: count('BENCH_LATENCY_WARMUP', 50, 10),
  /** Latency rounds: in each, a fresh worker of every kind in turn (celeriac, Python, celery-node). */
  latencyRounds: count('BENCH_LATENCY_ROUNDS', 3, 1),
  seedsNoopNode: count('BENCH_SEEDS_TASKS', 100_000, 2_000),
  seedsNoopPy: count('BENCH_SEEDS_PY_TASKS', 5_000, 500),
  seedsIoTasks: count('BENCH_SEEDS_IO_TASKS', 800, 160),
  io100Tasks: count('BENCH_IO_TASKS', 10_000, 2_000),
  proxyNodeTasks: count('BENCH_PROXY_TASKS', 100_000, 3_000),
  proxyPyTasks: count('BENCH_PROXY_PY_TASKS', 5_000, 500),
  proxyDelayMs: num('BENCH_PROXY_DELAY_MS', 1, 1),
  memoryMessages: count('BENCH_MEMORY_MESSAGES', 1_000_000, 50_000),
  memorySeconds: num('BENCH_MEMORY_SECONDS', 20, 5),
};
const SECTIONS = ['throughput', 'latency', 'seeds', 'proxy', 'memory', 'rabbitmq'] as const;
type Section = (typeof SECTIONS)[number];
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const s of ONLY) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`BENCH_ONLY: unknown section ${s} (one of ${SECTIONS.join(', ')})`);
const wanted = (s: Section): boolean => ONLY.length === 0 || ONLY.includes(s);
const PROFILE = process.env.BENCH_PROFILE === '1';

const TARGETS = { vsCeleryNode: 2, vsPython: 20, ioCeiling: 0.95, proxySteady: 10_000, memoryMB: 150 };

const METHOD = `## Method

- One private \`redis-server\` started by the bench (no persistence, loopback), DB 1 broker, DB 2 results; every leg of a comparison runs in this one process on this one server, one leg at a time.
- Messages: produced by **Python's own producer** (\`bench/python/bench_produce.py\`: one \`app.send_task\` per message through one producer), once per message kind, kept in a spare Redis DB and \`COPY\`ed back into DB 1 before each leg (trimmed with \`LTRIM\` to the leg's count), so every leg drains the same Python-made bytes. Exception, the memory leg: one envelope captured from Python, copied ${CFG.memoryMessages.toLocaleString('en-US')} times in Node with a fresh task id (id, root_id, correlation_id) and delivery_tag each, \`LPUSH\`ed 1,000 per command, 8 commands pipelined.
- Every worker: results stored (Redis backend), acks late (celeriac \`--acks-late\`; Python \`task_acks_late=True\`; celery-node 0.5.9 never acks, it BRPOPs), log level INFO (celeriac and Python log one line per task, celery-node none).
- **Steady state** = (n − 1) / (last \`date_done\` − first \`date_done\`), read from every stored result meta after the drain (SCAN + MGET of DB 2); for sleep tasks (n − c) / (last − first), c = concurrency, since the first c complete together at "first". Start-up, connection set-up and the tail wait are outside it.
- **End-to-end** = n / (last \`date_done\` − worker process spawn): includes process start-up (the Node/Python runtime, imports, connecting), labelled separately.
- Node legs run R times (BENCH_REPEATS) interleaved (celeriac, celeriac -E, celery-node, then again), reported as median and min–max; Python prefork, without and with \`-E\`, with fewer tasks (it is ~20× slower) after each of the first BENCH_PY_REPEATS (2) rounds, so its spread is printed too (its steady rate read 583–727/s across this machine's runs on 2026-12-02); celeriac -E is compared with both (without events: the stricter reading of issue 8; with \`-E\`: like for like). celery-node sends no events.
- Worker CPU = user+sys of the worker's process tree from its ready line to the last result, per task. Redis calls / CPU per task = INFO commandstats / INFO cpu deltas over the leg (spawn to last ack), the bench's own progress polling (DBSIZE, INFO) left out.
- Peak RSS = VmHWM of the worker process plus all its descendants (prefork children) from /proc, read before stopping it.
- Latency: a Python client (\`bench/python/bench_latency.py\`) runs ${CFG.latencyWarmup} warm-up calls, then ${CFG.latencyCalls} sequential \`apply_async(...).get()\` calls and reports nearest-rank p50/p99 (ms), one worker started per queue layout, in ${CFG.latencyRounds} round(s) (BENCH_LATENCY_ROUNDS) that each run celeriac, Python prefork and celery-node in turn (a fresh worker each), reported as medians over the rounds with min–max, and the share of calls whose result was already stored when Celery's \`get()\` first read the key (its \`on_wait_for_pending\` GET, before it waits on pub/sub).
- Proxy: a Node \`net\` proxy (bench/delay-proxy.ts, its own process) on loopback holding every chunk ≥ ${CFG.proxyDelayMs} ms in each direction (one FIFO and timer per direction, order kept; Node timer granularity makes it 1–2 ms); broker and results both go through it.
- Targets (issue 8) are printed as met / not met; the bench exits 0 when every leg ran, 1 when a leg errored.`;

// ---------------------------------------------------------------- formatting

function verdict(value: number | undefined, goal: number, higherIsBetter = true): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return (higherIsBetter ? value >= goal : value <= goal) ? '**met**' : '**not met**';
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b ? a / b : undefined);

let aborting = false;
function out(text: string): void {
  if (!aborting) process.stdout.write(`${text}\n`);
}

const errors: string[] = [];
function noteError(where: string, err: string | undefined): string {
  if (err) errors.push(`${where}: ${err}`);
  return err ?? '';
}

// ---------------------------------------------------------------- header

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  } catch {
    return 'unknown';
  }
}

async function header(r: BenchRedis): Promise<string> {
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const redisVersion = /redis_version:(\S+)/.exec(await r.admin.info('server'))?.[1] ?? 'unknown';
  const dirty = sh('git', ['status', '--porcelain', '--', 'src']) ? ' + uncommitted changes in src/' : '';
  const celeryNode = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'celery-node', 'package.json'), 'utf8')) as { version: string }).version;
  return [
    `# celeriac benchmark${QUICK ? ' (BENCH_QUICK=1: smoke-run counts, figures not meaningful)' : ''}`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: nproc ${sh('nproc', [])}, ${cpuModel}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `- Node ${process.version}; ${sh(venvBin('python'), ['--version'])}, Celery ${sh(venvBin('python'), ['-c', 'import celery; print(celery.__version__)'])}; Redis ${redisVersion}; celery-node ${celeryNode}`,
    `- celeriac ${sh('git', ['rev-parse', '--short', 'HEAD'])}${dirty} (bin/celeriac.js on dist/)`,
    `- counts: Node legs ${CFG.nodeTasks.toLocaleString('en-US')} tasks × ${CFG.repeats} runs, Python ${CFG.pyTasks.toLocaleString('en-US')} × ${Math.min(CFG.pyRepeats, CFG.repeats)}; sections: ${(ONLY.length ? ONLY : SECTIONS).join(', ')}`,
    '',
    METHOD,
  ].join('\n');
}

// ---------------------------------------------------------------- throughput (item 2)

const NOOP: MessageSpec = { task: 'bench.noop' };

interface LegRuns {
  impl: Impl;
  command: string;
  tasks: number;
  runs: DrainRun[];
  note?: string;
}

function summarise(leg: LegRuns): {
  steady?: number; e2e?: number; steadies: number[]; e2es: number[]; rss?: number; cpu?: number; redis: CommandDelta; startup?: number;
} {
  const ok = leg.runs.filter((r) => !r.error);
  const redis = new CommandDelta();
  for (const r of ok) {
    for (const [k, v] of r.redis.commands) {
      const acc = redis.commands.get(k) ?? { calls: 0, usec: 0 };
      acc.calls += v.calls;
      acc.usec += v.usec;
      redis.commands.set(k, acc);
    }
    redis.cpuSec += r.redis.cpuSec;
    redis.tasks += r.redis.tasks;
  }
  const steadies = ok.flatMap((r) => (r.steady === undefined ? [] : [r.steady]));
  const e2es = ok.flatMap((r) => (r.e2e === undefined ? [] : [r.e2e]));
  const rssAll = leg.runs.flatMap((r) => (r.peakRssMiB ? [r.peakRssMiB] : []));
  return {
    steady: median(steadies), e2e: median(e2es), steadies, e2es, redis,
    rss: rssAll.length ? Math.max(...rssAll) : undefined,
    cpu: median(ok.flatMap((r) => (r.workerCpuUs === undefined ? [] : [r.workerCpuUs]))),
    startup: median(ok.flatMap((r) => (r.startupSec === undefined ? [] : [r.startupSec]))),
  };
}

function drainTable(legs: LegRuns[]): string[] {
  const lines = [
    '| worker | command | tasks × runs | **steady** tasks/s (median) | steady min–max | end-to-end tasks/s (median) | end-to-end min–max | start-up (s) | peak RSS (MiB) | worker CPU µs/task | Redis calls/task | Redis CPU µs/task | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const leg of legs) {
    const s = summarise(leg);
    const errs = leg.runs.flatMap((r, i) => (r.error ? [`run ${i + 1}: ${r.error}`] : []));
    const unacked = leg.runs.reduce((n, r) => n + (r.unackedLeft ?? 0), 0);
    const note = [leg.note, unacked ? `${unacked} left in unacked` : '', ...errs].filter(Boolean).join('; ');
    lines.push(`| ${leg.impl.name} | \`${leg.command}\` | ${leg.tasks.toLocaleString('en-US')} × ${leg.runs.length} | **${fmt(s.steady)}** | ${spread(s.steadies)} `
      + `| ${fmt(s.e2e)} | ${spread(s.e2es)} | ${fmt(s.startup, 2)} | ${fmt(s.rss, 1)} | ${fmt(s.cpu, 1)} | ${fmt(s.redis.callsPerTask(), 2)} `
      + `| ${fmt(s.redis.cpuUsPerTask(), 1)} | ${note} |`);
  }
  return lines;
}

function commandStatsTable(legs: LegRuns[]): string[] {
  const sums = legs.map((l) => summarise(l).redis);
  const names = new Set<string>();
  for (const s of sums) for (const k of s.commands.keys()) names.add(k);
  const order = [...names].sort((a, b) => (sums[0]?.commands.get(b)?.calls ?? 0) - (sums[0]?.commands.get(a)?.calls ?? 0));
  const lines = [
    `Redis INFO commandstats deltas per task (summed over the runs; ${legs.map((l) => l.impl.name).join(' / ')}); usec = Redis's own time executing the command:`,
    '',
    `| command | ${legs.map((l) => `${l.impl.name} calls/task | ${l.impl.name} usec/task`).join(' | ')} |`,
    `|---|${legs.map(() => '---:|---:').join('|')}|`,
  ];
  for (const name of order) {
    const cells = sums.map((s) => {
      const c = s.commands.get(name);
      return c && s.tasks ? `${fmt(c.calls / s.tasks, 3)} | ${fmt(c.usec / s.tasks, 2)}` : '– | –';
    });
    lines.push(`| ${name}${CommandDelta.BENCH_OWN.has(name) ? ' (bench polling)' : ''} | ${cells.join(' | ')} |`);
  }
  lines.push(`| **total (worker)** | ${sums.map((s) => {
    let calls = 0;
    let usec = 0;
    for (const [k, c] of s.commands) if (!CommandDelta.BENCH_OWN.has(k)) { calls += c.calls; usec += c.usec; }
    return s.tasks ? `**${fmt(calls / s.tasks, 3)}** | **${fmt(usec / s.tasks, 2)}**` : '– | –';
  }).join(' | ')} |`);
  return lines;
}

async function throughput(r: BenchRedis): Promise<void> {
  log(`throughput: producing ${Math.max(CFG.nodeTasks, CFG.pyTasks)} no-op tasks with Python`);
  await r.ensureProduced(NOOP, Math.max(CFG.nodeTasks, CFG.pyTasks));
  const spec: WorkerSpec = { concurrency: 100 };
  const nodeImpls = [celeriacImpl, celeriacEventsImpl, celeryNodeImpl];
  const legs: LegRuns[] = nodeImpls.map((impl) => ({ impl, command: impl.describe(spec), tasks: CFG.nodeTasks, runs: [] }));
  const celeryNodeLeg = legs[2] as LegRuns;
  celeryNodeLeg.note = 'no acks, unbounded concurrency (its defaults)';
  const pySpec: WorkerSpec = { concurrency: 2 };
  const pyLegs: LegRuns[] = [pythonImpl, pythonEventsImpl].map((impl) => ({ impl, command: impl.describe(pySpec), tasks: CFG.pyTasks, runs: [],
    note: 'fewer tasks (≈20× slower)' }));
  for (let rep = 1; rep <= CFG.repeats; rep++) {
    for (const leg of legs) {
      log(`throughput: ${leg.impl.name} run ${rep}/${CFG.repeats}, ${CFG.nodeTasks} tasks`);
      const run = await drain(r, { impl: leg.impl, spec, messages: NOOP, tasks: CFG.nodeTasks });
      log(`  steady ${fmt(run.steady)}/s, end-to-end ${fmt(run.e2e)}/s${run.error ? `, ERROR ${run.error}` : ''}`);
      noteError(`throughput ${leg.impl.name} run ${rep}`, run.error);
      leg.runs.push(run);
    }
    if (rep > CFG.pyRepeats) continue;
    for (const leg of pyLegs) {
      log(`throughput: ${leg.impl.name} -c 2 run ${rep}/${Math.min(CFG.pyRepeats, CFG.repeats)}, ${CFG.pyTasks} tasks`);
      const pyRun = await drain(r, { impl: leg.impl, spec: pySpec, messages: NOOP, tasks: CFG.pyTasks });
      log(`  steady ${fmt(pyRun.steady)}/s, end-to-end ${fmt(pyRun.e2e)}/s${pyRun.error ? `, ERROR ${pyRun.error}` : ''}`);
      noteError(`throughput ${leg.impl.key} run ${rep}`, pyRun.error);
      leg.runs.push(pyRun);
    }
  }

  let profileLeg: LegRuns | undefined;
  let profileDir: string | undefined;
  if (PROFILE) {
    profileDir = mkdtempSync(join(tmpdir(), 'celeriac-bench-cpuprof-'));
    const pspec: WorkerSpec = { ...spec, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] };
    log(`throughput: celeriac under --cpu-prof (${profileDir})`);
    const run = await drain(r, { impl: celeriacImpl, spec: pspec, messages: NOOP, tasks: CFG.nodeTasks });
    noteError('throughput celeriac --cpu-prof', run.error);
    profileLeg = { impl: { ...celeriacImpl, name: 'celeriac (--cpu-prof)' }, command: `node --cpu-prof --cpu-prof-dir=${profileDir} bin/${celeriacImpl.describe(spec).replace('celeriac ', 'celeriac.js ')}`, tasks: CFG.nodeTasks, runs: [run], note: 'profiled: not in the medians or ratios' };
  }

  const [cel, celE, cn] = legs.map((l) => summarise(l));
  const [py, pyE] = pyLegs.map((l) => summarise(l));
  const lines = [
    '## Throughput: drain of Python-produced no-op tasks, results stored, acks late (issue 8 item 2)',
    '',
    ...drainTable([...legs, ...pyLegs, ...(profileLeg ? [profileLeg] : [])]),
    '',
    '| comparison | steady state | end-to-end (incl. start-up) | target (steady) | |',
    '|---|---:|---:|---:|---|',
  ];
  // celeriac -E against Python both without events (the stricter reading) and with -E (like for like); celery-node sends no events
  const pythonPeers = { celeriac: [['Python prefork -c 2', py]], 'celeriac -E': [['Python prefork -c 2 (no events)', py], ['Python prefork -c 2 -E', pyE]] } as const;
  for (const [name, a] of [['celeriac', cel], ['celeriac -E', celE]] as const) {
    const rs = ratio(a?.steady, cn?.steady);
    lines.push(`| ${name} / celery-node | ${fmt(rs, 2)}× | ${fmt(ratio(a?.e2e, cn?.e2e), 2)}× | ≥ ${TARGETS.vsCeleryNode}× | ${verdict(rs, TARGETS.vsCeleryNode)} |`);
    for (const [peer, p] of pythonPeers[name]) {
      const rp = ratio(a?.steady, p?.steady);
      lines.push(`| ${name} / ${peer} | ${fmt(rp, 2)}× | ${fmt(ratio(a?.e2e, p?.e2e), 2)}× | ≥ ${TARGETS.vsPython}× | ${verdict(rp, TARGETS.vsPython)} |`);
    }
  }
  const noise = [cel, celE, cn, py, pyE].flatMap((x) => (x && x.steadies.length > 1 ? [(Math.max(...x.steadies) - Math.min(...x.steadies)) / 2 / (x.steady as number)] : []));
  const worst = noise.length ? Math.max(...noise) * 100 : undefined;
  lines.push(`| celeriac -E / celeriac (events cost) | ${fmt(ratio(celE?.steady, cel?.steady), 2)}× | ${fmt(ratio(celE?.e2e, cel?.e2e), 2)}× | – | |`);
  lines.push(`| Python -E / Python (events cost) | ${fmt(ratio(pyE?.steady, py?.steady), 2)}× | ${fmt(ratio(pyE?.e2e, py?.e2e), 2)}× | – | |`);
  lines.push('', worst === undefined ? 'Noise: one run per leg, no spread (BENCH_REPEATS ≥ 2 to see it).'
    : `Noise: the widest run-to-run spread of the legs' steady state (Node and Python) is ±${fmt(worst, 1)}% of its median, so a 10% difference is ${worst < 5 ? '' : '**not** '}clearly above noise in this run.`);
  lines.push('', ...commandStatsTable([legs[0] as LegRuns, legs[1] as LegRuns]));
  if (profileDir) {
    let files: string[] = [];
    try { files = readdirSync(profileDir); } catch { /* none */ }
    lines.push('', `CPU profile (BENCH_PROFILE=1) of the celeriac leg: ${profileDir} (${files.length ? files.join(', ') : 'no .cpuprofile written'}); open in Chrome DevTools › Performance or speedscope.`);
  }
  out(`\n${lines.join('\n')}`);
}

// ---------------------------------------------------------------- latency (item 3)

async function latencySection(r: BenchRedis): Promise<void> {
  const one: LatencyCase[] = [{}, { priority: 6 }];
  const two: LatencyCase[] = [{ queue: 'b' }];
  const impls = [[celeriacImpl, { concurrency: 100 }], [pythonImpl, { concurrency: 2 }], [celeryNodeImpl, {}]] as const;
  // Per worker: one entry per round, each the runs of its cases in order.
  const rows = impls.map(([impl, spec]) => ({ impl, one: [] as LatencyRun[][], two: [] as LatencyRun[][], rss: [] as number[][],
    commands: [impl.describe({ ...spec }), ...(impl === celeryNodeImpl ? [] : [impl.describe({ ...spec, queues: ['a', 'b'] })])] }));
  for (let round = 1; round <= CFG.latencyRounds; round++) {
    for (const [i, [impl, spec]] of impls.entries()) {
      const row = rows[i] as (typeof rows)[number];
      log(`latency round ${round}/${CFG.latencyRounds}: ${impl.name} on one queue (no priority, then priority 6)`);
      const cn = impl === celeryNodeImpl;
      const na = 'n/a: celery-node 0.5.9 BRPOPs the bare queue key only, never kombu\'s priority keys (queue\\x06\\x16N)';
      const a = await latency(r, impl, { ...spec }, cn ? [{}] : one, CFG.latencyCalls, CFG.latencyWarmup);
      if (cn) a.runs.push({ error: na });
      let b: { runs: LatencyRun[]; peakRssMiB?: number };
      if (cn) {
        b = { runs: [{ error: 'n/a: celery-node 0.5.9 createWorker takes one queue name' }] };
      } else {
        log(`latency round ${round}/${CFG.latencyRounds}: ${impl.name} on -Q a,b, message on b`);
        b = await latency(r, impl, { ...spec, queues: ['a', 'b'] }, two, CFG.latencyCalls, CFG.latencyWarmup);
      }
      for (const run of [...a.runs, ...b.runs]) if (run.error && !run.error.startsWith('n/a')) noteError(`latency ${impl.name}`, run.error);
      row.one.push(a.runs);
      row.two.push(b.runs);
      row.rss.push([a.peakRssMiB ?? NaN, b.peakRssMiB ?? NaN]);
    }
  }
  type Row = (typeof rows)[number];
  const cases = [
    { name: 'one queue', get: (x: Row) => x.one.map((runs) => runs[0]) },
    { name: '`-Q a,b`, message on `b`', get: (x: Row) => x.two.map((runs) => runs[0]) },
    { name: 'one queue, `priority=6`', get: (x: Row) => x.one.map((runs) => runs[1]) },
  ];
  const rounds = CFG.latencyRounds;
  const lines = [
    `## Latency: sequential Python \`.delay().get()\`, ${CFG.latencyCalls} calls after ${CFG.latencyWarmup} warm-up, ${rounds} interleaved round(s) (issue 8 item 3)`,
    '',
    `Each cell: median over the rounds${rounds > 1 ? ' (min–max)' : ''}. "met" compares the medians; "rounds" counts the rounds in which celeriac was at or below every peer measured in that round.`,
    '',
    `| case | ${rows.map((x) => `${x.impl.name} p50 (ms) | ${x.impl.name} p99 (ms)`).join(' | ')} | celeriac p50 ≤ both | celeriac p99 ≤ both |`,
    `|---|${rows.map(() => '---:|---:').join('|')}|---|---|`,
  ];
  for (const c of cases) {
    const [mineRow, ...peerRows] = rows as [Row, ...Row[]];
    const mine = summarizeRounds(c.get(mineRow));
    const peers = peerRows.map((x) => summarizeRounds(c.get(x))).filter((s) => s.error === undefined);
    const ok = (k: 'p50' | 'p99'): string => {
      if (mine.error !== undefined || mine[k] === undefined) return 'n/a';
      const met = peers.every((o) => (mine[k] as number) <= (o[k] as number));
      const { won, of } = roundsAtOrBelow(c.get(mineRow), peerRows.map((x) => c.get(x)), k);
      return `${met ? '**met**' : '**not met**'} (vs ${peers.length}; rounds ${won}/${of})`;
    };
    lines.push(`| ${c.name} | ${rows.map((x) => { const s = summarizeRounds(c.get(x)); return `${latencyCell(s, 'p50')} | ${latencyCell(s, 'p99')}`; }).join(' | ')} | ${ok('p50')} | ${ok('p99')} |`);
  }
  const pct = (v: number | undefined): string => (v === undefined ? 'n/a' : `${Math.round(v * 100)}%`);
  lines.push('', 'Result already stored when the client\'s `get()` first read it (Celery reads the key once, then waits on pub/sub), and '
    + 'the worker\'s CPU per call (user+sys of its process tree over the case, warm-up included, µs), medians over the rounds:', '',
    `| case | ${rows.map((x) => `${x.impl.name} first GET found | ${x.impl.name} CPU µs/call`).join(' | ')} |`,
    `|---|${rows.map(() => '---:|---:').join('|')}|`);
  for (const c of cases) {
    lines.push(`| ${c.name} | ${rows.map((x) => { const s = summarizeRounds(c.get(x)); return `${pct(s.firstGetFound)} | ${fmt(s.cpuUsPerCall, 0)}`; }).join(' | ')} |`);
  }
  lines.push('', '| worker | commands | peak RSS (MiB), one queue / two queues (largest over the rounds) | notes |', '|---|---|---:|---|');
  const largest = (xs: number[]): number | undefined => (xs.some(Number.isFinite) ? Math.max(...xs.filter(Number.isFinite)) : undefined);
  for (const x of rows) {
    const notes = [...x.one.flat(), ...x.two.flat()].flatMap((run) => (run.error ? [run.error] : []));
    lines.push(`| ${x.impl.name} | ${x.commands.map((c) => `\`${c}\``).join('<br>')} | ${fmt(largest(x.rss.map((p) => p[0] as number)), 1)} / `
      + `${fmt(largest(x.rss.map((p) => p[1] as number)), 1)} | ${[...new Set(notes)].join('; ')} |`);
  }
  out(`\n${lines.join('\n')}`);
}

// ---------------------------------------------------------------- the seeds' settings (item 4)

async function seedsSection(r: BenchRedis): Promise<void> {
  const spec: WorkerSpec = { queues: ['a', 'b'], concurrency: 4, prefetchMultiplier: 1 };
  const noop: MessageSpec = { task: 'bench.noop', queues: ['a', 'b'] };
  const io50: MessageSpec = { task: 'bench.sleep', args: [50], queues: ['a', 'b'] };
  const io100: MessageSpec = { task: 'bench.sleep', args: [100] };
  const legs: { label: string; impl: Impl; spec: WorkerSpec; m: MessageSpec; tasks: number; burst: number; run?: DrainRun }[] = [
    { label: 'no-op', impl: celeriacImpl, spec, m: noop, tasks: CFG.seedsNoopNode, burst: 1 },
    { label: 'no-op', impl: pythonImpl, spec, m: noop, tasks: CFG.seedsNoopPy, burst: 1 },
    { label: '50 ms I/O', impl: celeriacImpl, spec, m: io50, tasks: CFG.seedsIoTasks, burst: 4 },
    { label: '50 ms I/O', impl: pythonImpl, spec, m: io50, tasks: CFG.seedsIoTasks, burst: 4 },
  ];
  for (const [m, count] of [[noop, Math.max(CFG.seedsNoopNode, CFG.seedsNoopPy)], [io50, CFG.seedsIoTasks], [io100, CFG.io100Tasks]] as const) {
    await r.ensureProduced(m, count);
  }
  for (const leg of legs) {
    log(`seeds: ${leg.impl.name} ${leg.label}, ${leg.tasks} tasks`);
    leg.run = await drain(r, { impl: leg.impl, spec: leg.spec, messages: leg.m, tasks: leg.tasks, burst: leg.burst });
    log(`  steady ${fmt(leg.run.steady)}/s${leg.run.error ? `, ERROR ${leg.run.error}` : ''}`);
    noteError(`seeds ${leg.impl.name} ${leg.label}`, leg.run.error);
  }
  log(`seeds: celeriac -c 100, 100 ms sleep, ${CFG.io100Tasks} tasks`);
  const ioSpec: WorkerSpec = { concurrency: 100 };
  const io = await drain(r, { impl: celeriacImpl, spec: ioSpec, messages: io100, tasks: CFG.io100Tasks, burst: 100 });
  noteError('seeds celeriac io100', io.error);

  const row = (label: string, impl: Impl, s: WorkerSpec, tasks: number, run: DrainRun | undefined, ceiling?: number): string =>
    `| ${label} | ${impl.name} | \`${impl.describe(s)}\` | ${tasks.toLocaleString('en-US')} | **${fmt(run?.steady)}** | ${fmt(run?.e2e)} | ${ceiling ? fmt(ceiling) : '–'} `
    + `| ${fmt(run?.peakRssMiB, 1)} | ${fmt(run?.workerCpuUs, 1)} | ${run?.error ?? ''} |`;
  const pair = (label: string): string => {
    const c = legs.find((l) => l.label === label && l.impl === celeriacImpl)?.run?.steady;
    const p = legs.find((l) => l.label === label && l.impl === pythonImpl)?.run?.steady;
    return `${fmt(ratio(c, p), 2)}×`;
  };
  const pct = io.steady !== undefined ? io.steady / 1000 : undefined;
  const lines = [
    '## The seeds\' settings: `worker_prefetch_multiplier=1`, `task_acks_late=True`, `-c 4`, two queues (issue 8 item 4)',
    '',
    'Messages alternate between queues `a` and `b`; I/O tasks are `bench.sleep(50)`: `await sleep(50)` in celeriac, blocking `time.sleep(0.05)` in Python (no asyncio).',
    '',
    '| tasks | worker | command | tasks | **steady** tasks/s | end-to-end tasks/s | ceiling (c / sleep) | peak RSS (MiB) | worker CPU µs/task | note |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...legs.map((l) => row(l.label, l.impl, l.spec, l.tasks, l.run, l.label === 'no-op' ? undefined : 4 / 0.05)),
    '',
    `celeriac / Python, same settings: no-op ${pair('no-op')}, 50 ms I/O ${pair('50 ms I/O')} (the I/O pair is bounded by 4 / 0.05 s = 80/s for both).`,
    '',
    'I/O-bound at high concurrency: `bench.sleep(100)`, celeriac `-c 100` (default prefetch), ceiling 100 / 0.1 s = 1,000 tasks/s:',
    '',
    '| worker | command | tasks | **steady** tasks/s | end-to-end tasks/s | ceiling | % of ceiling | target | | peak RSS (MiB) | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|',
    `| celeriac | \`${celeriacImpl.describe(ioSpec)}\` | ${CFG.io100Tasks.toLocaleString('en-US')} | **${fmt(io.steady)}** | ${fmt(io.e2e)} | 1,000 | ${fmt(pct !== undefined ? pct * 100 : undefined, 1)}% `
    + `| ≥ ${TARGETS.ioCeiling * 100}% | ${verdict(pct, TARGETS.ioCeiling)} | ${fmt(io.peakRssMiB, 1)} | ${io.error ?? ''} |`,
  ];
  out(`\n${lines.join('\n')}`);
}

// ---------------------------------------------------------------- slower network (item 5)

async function proxySection(r: BenchRedis): Promise<void> {
  await r.ensureProduced(NOOP, Math.max(CFG.proxyNodeTasks, CFG.proxyPyTasks));
  const proxy = await startDelayProxy(r.server.port, CFG.proxyDelayMs);
  const urls = { brokerUrl: proxy.url(BROKER_DB), backendUrl: proxy.url(RESULT_DB) };
  const runs: DrainRun[] = [];
  let py: DrainRun | undefined;
  let rtt: number | undefined;
  let direct: number | undefined;
  try {
    rtt = await proxyRoundTrip(proxy.port);
    direct = await proxyRoundTrip(r.server.port);
    for (let rep = 1; rep <= CFG.repeats; rep++) {
      log(`proxy: celeriac run ${rep}/${CFG.repeats}, ${CFG.proxyNodeTasks} tasks through the ${CFG.proxyDelayMs} ms proxy`);
      const run = await drain(r, { impl: celeriacImpl, spec: { concurrency: 100 }, messages: NOOP, tasks: CFG.proxyNodeTasks, ...urls });
      log(`  steady ${fmt(run.steady)}/s${run.error ? `, ERROR ${run.error}` : ''}`);
      noteError(`proxy celeriac run ${rep}`, run.error);
      runs.push(run);
    }
    log(`proxy: Python prefork -c 2, ${CFG.proxyPyTasks} tasks through the proxy`);
    py = await drain(r, { impl: pythonImpl, spec: { concurrency: 2 }, messages: NOOP, tasks: CFG.proxyPyTasks, ...urls });
    noteError('proxy python', py.error);
  } finally {
    await proxy.stop();
  }
  const legs: LegRuns[] = [
    { impl: celeriacImpl, command: celeriacImpl.describe({ concurrency: 100 }), tasks: CFG.proxyNodeTasks, runs },
    { impl: pythonImpl, command: pythonImpl.describe({ concurrency: 2 }), tasks: CFG.proxyPyTasks, runs: py ? [py] : [] },
  ];
  const c = summarise(legs[0] as LegRuns).steady;
  const p = summarise(legs[1] as LegRuns).steady;
  const lines = [
    `## A slower network: Redis behind a ${CFG.proxyDelayMs} ms-each-way TCP delay proxy (issue 8 item 5)`,
    '',
    `Measured PING round trip through the proxy: ${fmt(rtt, 2)} ms (median of 50; straight to Redis ${fmt(direct, 3)} ms).`,
    '',
    ...drainTable(legs),
    '',
    `celeriac steady state through the proxy: ${fmt(c)} tasks/s, target ≥ ${TARGETS.proxySteady.toLocaleString('en-US')}: ${verdict(c, TARGETS.proxySteady)}; celeriac / Python: ${fmt(ratio(c, p), 1)}×.`,
  ];
  out(`\n${lines.join('\n')}`);
}

async function proxyRoundTrip(port: number): Promise<number | undefined> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(`redis://127.0.0.1:${port}/0`);
  try {
    await client.ping();
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await client.ping();
      samples.push(performance.now() - t);
    }
    return median(samples);
  } finally {
    client.disconnect();
  }
}

// ---------------------------------------------------------------- memory (item 6)

async function memorySection(r: BenchRedis): Promise<void> {
  const n = CFG.memoryMessages;
  const header = [
    `## Memory: ${n.toLocaleString('en-US')} messages queued (issue 8 item 6)`,
    '',
    `Queued (before each row): one envelope captured from Python's producer, copied ${n.toLocaleString('en-US')} times in Node with a fresh task id and delivery_tag each, LPUSHed in pipelined batches of 1,000. The worker then drains for up to ${CFG.memorySeconds} s after its ready line. Second row: the same worker with V8's young generation capped (\`NODE_OPTIONS=--max-semi-space-size=4\`, as README's deployment section suggests; default is 16 MiB per semi-space).`,
    '',
    '| worker | command | node flags | drained in window | window (s) | steady tasks/s | **peak RSS (VmHWM)** | max sampled RSS | target | | note |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  const rows: string[] = [];
  for (const nodeFlags of [[], ['--max-semi-space-size=4']]) rows.push(await memoryRow(r, n, { concurrency: 100, nodeFlags }));
  out(`\n${[...header, ...rows].join('\n')}`);
}

async function memoryRow(r: BenchRedis, n: number, spec: WorkerSpec): Promise<string> {
  const template = await r.capturedEnvelope(NOOP);
  await r.flushLegDbs();
  await r.copyBindings(NOOP);
  log(`memory: pushing ${n} copies of a Python-produced envelope`);
  const pushSec = await pushCopies(r.broker, template, 'celery', n);
  const queued = await r.broker.llen('celery');
  const usedMemory = /used_memory_human:(\S+)/.exec(await r.admin.info('memory'))?.[1];
  log(`memory: ${queued} queued in ${pushSec.toFixed(1)} s; Redis used_memory ${usedMemory}; node flags ${(spec.nodeFlags ?? []).join(' ') || 'none'}`);
  let worker: BenchWorker | undefined;
  let error: string | undefined;
  let maxRssKiB = 0;
  let drained = 0;
  let windowSec = 0;
  let peak: number | undefined;
  try {
    worker = await celeriacImpl.start(r.server.url(BROKER_DB), r.server.url(RESULT_DB), spec);
    const readyAt = Date.now();
    while (Date.now() - readyAt < CFG.memorySeconds * 1000) {
      const pids = [worker.pid, ...descendants(worker.pid)];
      maxRssKiB = Math.max(maxRssKiB, pids.reduce((s, p) => s + rssKiB(p), 0));
      drained = await r.results.dbsize();
      if (drained >= n) break;
      if (worker.exited) throw new Error(`worker exited: ${worker.tail().split('\n').slice(-3).join(' | ')}`);
      await new Promise((res) => setTimeout(res, 250));
    }
    windowSec = (Date.now() - readyAt) / 1000;
    drained = await r.results.dbsize();
    peak = treePeakRssMiB(worker.pid);
  } catch (err) {
    error = firstLine(err);
    noteError('memory', error);
  } finally {
    await worker?.stop().catch(() => undefined);
  }
  const done = await readDoneTimes(r.results);
  const steady = steadyRate(done.times);
  await r.flushLegDbs();
  const mb = peak !== undefined ? peak * 1.048576 : undefined;
  return `| celeriac | \`${celeriacImpl.describe(spec)}\` | ${(spec.nodeFlags ?? []).join(' ') || '–'} | ${drained.toLocaleString('en-US')} | ${fmt(windowSec, 1)} | ${fmt(steady)} | **${fmt(peak, 1)} MiB = ${fmt(mb, 1)} MB** | ${fmt(maxRssKiB / 1024, 1)} MiB | ≤ ${TARGETS.memoryMB} MB | ${verdict(mb, TARGETS.memoryMB, false)} | ${error ?? ''} |`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const server = await startRedisServer();
  const r = new BenchRedis(server);
  const cleanup = async (): Promise<void> => {
    r.disconnect();
    await killAllChildren();
    await server.stop();
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    aborting = true;
    log(`${sig}: stopping workers, proxy and redis; no tables`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out(await header(r));
    const sections: [Section, (b: BenchRedis) => Promise<void>][] = [
      ['throughput', throughput], ['latency', latencySection], ['seeds', seedsSection], ['proxy', proxySection], ['memory', memorySection],
      ['rabbitmq', async (b) => { const res = await rabbitmqSection(b); for (const e of res.errors) noteError('rabbitmq', e); out(`\n${res.lines.join('\n')}`); }],
    ];
    for (const [name, fn] of sections) {
      if (!wanted(name)) continue;
      try {
        await fn(r);
      } catch (err) {
        noteError(name, firstLine(err));
        out(`\n## ${name}: ERROR ${firstLine(err)}`);
        if (!aborting) log(`${name} failed: ${(err as Error)?.stack ?? String(err)}`);
        await killAllChildren();
      }
    }
  } finally {
    await cleanup();
  }
  if (errors.length) out(`\n## Errors\n\n${errors.map((e) => `- ${e}`).join('\n')}`);
  return errors.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
