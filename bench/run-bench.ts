// `npm run bench`: drains 20,000 Python-produced no-op tasks with celeriac, Python Celery and celery-node
// in turn on one private Redis, and prints throughput, peak RSS and round-trip latency as Markdown; then
// compares celeriac with task events off and on (-E) over 50,000 tasks each, a drain long enough to
// tell a 20% difference from noise (20,000 drain in ~1.5 s, where JIT warm-up and polling dominate).
import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from '../interop-tests/helpers/child-registry';
import { runPythonJson } from '../interop-tests/helpers/python';
import { waitUntil } from '../interop-tests/helpers/redis-probe';
import { BENCH_PYTHON_DIR, celeriacEventsLeg, celeriacLeg, celeryNodeLeg, pythonLeg, type BenchLeg } from './bench-legs';
import { treePeakRssMiB } from './process-memory';

const TASKS = Number(process.env.BENCH_TASKS ?? 20_000);
const LATENCY_CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? 500);
const EVENTS_TASKS = Number(process.env.BENCH_EVENTS_TASKS ?? 50_000);
const DRAIN_TIMEOUT_MS = 150_000;

/** What one leg measured, or why it could not. */
interface LegResult {
  leg: BenchLeg;
  tasksPerSec?: number;
  drainSec?: number;
  completed?: number;
  peakRssMiB?: number;
  /** Messages still in kombu's unacked hash after the drain (should be 0 for workers that ack). */
  unackedAfter?: number;
  p50Ms?: number;
  p99Ms?: number;
  error?: string;
}

async function runLeg(leg: BenchLeg, tasks: number, redis: RedisServer, broker: Redis, results: Redis, latency = true): Promise<LegResult> {
  await broker.flushall(); // our private server only
  const env = { CELERY_BROKER_URL: redis.url(1), CELERY_RESULT_BACKEND: redis.url(2) };
  const py = (script: string, args: string[]) => runPythonJson<Record<string, number>>(`${BENCH_PYTHON_DIR}/${script}`,
    { args, env: { ...env, PYTHONPATH: BENCH_PYTHON_DIR }, timeoutMs: 120_000 });
  const produced = await py('bench_produce.py', [String(tasks)]);
  process.stderr.write(`[${leg.name}] enqueued ${produced.sent} in ${produced.seconds?.toFixed(1)} s\n`);
  const started = Date.now();
  let worker;
  try {
    worker = await leg.start(redis.url(1), redis.url(2));
  } catch (err) {
    return { leg, error: firstLine(err) };
  }
  const out: LegResult = { leg };
  try {
    const t0 = Date.now();
    try {
      await waitUntil(async () => ((await results.dbsize()) >= tasks ? true : undefined), `${tasks} results`,
        { timeoutMs: DRAIN_TIMEOUT_MS, initialIntervalMs: 20, maxIntervalMs: 50 });
    } catch (err) {
      out.error = `${firstLine(err)} (${await results.dbsize()} done)`;
    }
    const seconds = (Date.now() - t0) / 1000;
    out.completed = await results.dbsize();
    out.drainSec = seconds;
    // acks-late workers ack just after storing the result: give the last acks a moment before sampling.
    await waitUntil(async () => ((await broker.hlen('unacked')) === 0 ? true : undefined), 'acks', { timeoutMs: 2000, initialIntervalMs: 10, maxIntervalMs: 50 })
      .catch(() => undefined);
    out.unackedAfter = await broker.hlen('unacked');
    out.tasksPerSec = out.completed / seconds;
    process.stderr.write(`[${leg.name}] ${out.completed} results in ${seconds.toFixed(1)} s (startup ${(t0 - started) / 1000} s)\n`);
    if (!out.error && latency) {
      const lat = await py('bench_latency.py', [String(LATENCY_CALLS)]);
      out.p50Ms = lat.p50;
      out.p99Ms = lat.p99;
    }
    out.peakRssMiB = treePeakRssMiB(worker.pid);
  } catch (err) {
    out.error = firstLine(err);
  } finally {
    await worker.stop();
  }
  return out;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? 'unknown error';
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined ? 'n/a' : n.toFixed(digits));

function table(rows: LegResult[], eventRows: LegResult[]): string {
  const lines = [
    `Benchmark: ${TASKS} no-op tasks (results stored) from a Python producer; latency = ${LATENCY_CALLS} sequential .delay().get() from Python.`,
    '',
    '| worker | command | tasks/s | drain (s) | unacked left | peak RSS (MiB) | p50 (ms) | p99 (ms) | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.leg.name} | \`${r.leg.description}\` | ${fmt(r.tasksPerSec)} | ${fmt(r.drainSec, 1)} | ${fmt(r.unackedAfter)} | ${fmt(r.peakRssMiB, 1)} `
      + `| ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${r.error ?? ''} |`),
  ];
  const ts = rows.find((r) => r.leg === celeriacLeg)?.tasksPerSec;
  for (const other of rows.filter((r) => r.leg !== celeriacLeg)) {
    const ratio = ts !== undefined && other.tasksPerSec ? (ts / other.tasksPerSec).toFixed(2) : 'n/a';
    lines.push('', `throughput celeriac/${other.leg.name}: ${ratio}`);
  }
  const off = eventRows.find((r) => r.leg === celeriacLeg)?.tasksPerSec;
  const on = eventRows.find((r) => r.leg === celeriacEventsLeg)?.tasksPerSec;
  if (eventRows.length > 0) {
    lines.push('', `Task events overhead: ${EVENTS_TASKS} tasks each, celeriac events off then on (-E):`, '',
      '| worker | tasks/s | drain (s) | peak RSS (MiB) | note |', '|---|---:|---:|---:|---|',
      ...eventRows.map((r) => `| ${r.leg.name} | ${fmt(r.tasksPerSec)} | ${fmt(r.drainSec, 1)} | ${fmt(r.peakRssMiB, 1)} | ${r.error ?? ''} |`));
    if (off !== undefined && on !== undefined) {
      const ratio = on / off;
      lines.push('', `throughput celeriac -E / celeriac: ${ratio.toFixed(2)} (${ratio >= 0.8 ? 'within' : 'NOT within'} 20% of the events-off figure)`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const redis = await startRedisServer();
  const admin = new Redis(redis.url(1));
  const results = new Redis(redis.url(2));
  const rows: LegResult[] = [];
  const eventRows: LegResult[] = [];
  try {
    const only = process.env.BENCH_ONLY?.split(',');
    for (const leg of [celeriacLeg, pythonLeg, celeryNodeLeg]) {
      if (only && !only.includes(leg.name)) continue;
      rows.push(await runLeg(leg, TASKS, redis, admin, results));
    }
    if (!only || only.includes('celeriac-events')) {
      for (const leg of [celeriacLeg, celeriacEventsLeg]) eventRows.push(await runLeg(leg, EVENTS_TASKS, redis, admin, results, false));
    }
  } finally {
    admin.disconnect();
    results.disconnect();
    await killAllChildren();
    await redis.stop();
  }
  process.stdout.write(`${table(rows, eventRows)}\n`);
  return [...rows, ...eventRows].every((r) => !r.error) ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
