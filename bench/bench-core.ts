// The measuring core of `npm run bench`: one private Redis, Python-produced message sets kept in spare DBs
// and copied back before each leg, a drain measured from the stored result metas, latency runs.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { RedisServer } from '../test/helpers/redis-server';
import { runPythonJson } from '../interop-tests/helpers/python';
import { BENCH_PYTHON_DIR, type BenchWorker, type Impl, type WorkerSpec } from './bench-legs';
import { treeCpuSeconds, treePeakRssMiB } from './process-memory';
import { CommandDelta, redisSnapshot } from './redis-stats';
import { readDoneTimes, steadyRate } from './result-scan';

export const BROKER_DB = 1;
export const RESULT_DB = 2;
/** First DB holding a stashed message set (DB 0 is unused, 1 broker, 2 results). */
const FIRST_STASH_DB = 3;
/** A drain errors when no result has been added for this long. */
const STALL_MS = 30_000;
/** And in any case after this long. */
const DRAIN_CAP_MS = 15 * 60_000;
/** Python producer processes for large message sets. */
const PRODUCERS = 2;

export function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

export function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? 'unknown error';
}

/** What a Python producer sends: a task (with JSON args) round-robin over queues, optionally with a priority. */
export interface MessageSpec {
  task: 'bench.noop' | 'bench.sleep';
  args?: unknown[];
  queues?: string[];
  priority?: number;
}

const specKey = (m: MessageSpec): string => JSON.stringify([m.task, m.args ?? [], m.queues ?? ['celery'], m.priority ?? null]);

/** The bench's private Redis and its clients: broker DB, result DB, server-wide admin. */
export class BenchRedis {
  readonly broker: Redis;
  readonly results: Redis;
  readonly admin: Redis;
  private readonly stashes = new Map<string, { db: number; count: number; keys: string[] }>();
  private nextDb = FIRST_STASH_DB;

  constructor(readonly server: RedisServer) {
    this.broker = new Redis(server.url(BROKER_DB));
    this.results = new Redis(server.url(RESULT_DB));
    this.admin = new Redis(server.url(0));
  }

  disconnect(): void {
    this.broker.disconnect();
    this.results.disconnect();
    this.admin.disconnect();
  }

  /** Empties the broker and result DBs (never the stashes). */
  async flushLegDbs(): Promise<void> {
    await this.broker.flushdb();
    await this.results.flushdb();
  }

  /** Runs a bench/python script against this server (or a proxy in front of it). */
  python<T>(script: string, args: string[], brokerUrl = this.server.url(BROKER_DB), backendUrl = this.server.url(RESULT_DB), timeoutMs = 600_000): Promise<T> {
    return runPythonJson<T>(`${BENCH_PYTHON_DIR}/${script}`, {
      args, timeoutMs, env: { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, PYTHONPATH: BENCH_PYTHON_DIR },
    });
  }

  /**
   * Makes sure `count` messages of this spec, produced by Python's own producer (bench_produce.py, one
   * `app.send_task` per message), are stashed in a spare DB: produced once into the broker DB, then
   * every key (the lists and kombu's `_kombu.binding.*` sets) COPYed to the stash.
   */
  async ensureProduced(spec: MessageSpec, count: number): Promise<void> {
    const key = specKey(spec);
    const have = this.stashes.get(key);
    if (have && have.count >= count) return;
    const db = have?.db ?? this.nextDb++;
    if (db > 15) throw new Error('out of Redis DBs for message stashes');
    await this.flushLegDbs();
    const args = [String(count), '--task', spec.task, '--args', JSON.stringify(spec.args ?? []), '--queues', (spec.queues ?? ['celery']).join(',')];
    if (spec.priority !== undefined) args.push('--priority', String(spec.priority));
    // Large sets: PRODUCERS Python processes side by side, each its own producer (send_task is ~0.3 ms each).
    const procs = count >= 2_000 ? PRODUCERS : 1;
    const t0 = Date.now();
    const parts = await Promise.all(Array.from({ length: procs }, (_, i) => {
      const share = Math.floor(count / procs) + (i < count % procs ? 1 : 0);
      return this.python<{ sent: number; seconds: number }>('bench_produce.py', [String(share), ...args.slice(1)]);
    }));
    const sent = parts.reduce((n, p) => n + p.sent, 0);
    const seconds = (Date.now() - t0) / 1000;
    log(`Python produced ${sent} ${spec.task}${spec.args?.length ? `(${spec.args.join(',')})` : ''} on ${(spec.queues ?? ['celery']).join(',')} with ${procs} process(es) in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s)`);
    const stash = new Redis(this.server.url(db));
    try {
      await stash.flushdb();
      const keys = await this.broker.keys('*');
      for (const k of keys) await this.broker.call('COPY', k, k, 'DB', String(db), 'REPLACE');
      this.stashes.set(key, { db, count, keys });
    } finally {
      stash.disconnect();
    }
    await this.flushLegDbs();
  }

  /** Empties broker and result DBs and copies `count` stashed messages of `spec` back into the broker DB. */
  async load(spec: MessageSpec, count: number): Promise<void> {
    await this.ensureProduced(spec, count);
    const stash = this.stashes.get(specKey(spec));
    if (!stash) throw new Error('no stash');
    await this.flushLegDbs();
    const src = new Redis(this.server.url(stash.db));
    try {
      for (const k of stash.keys) await src.call('COPY', k, k, 'DB', String(BROKER_DB), 'REPLACE');
    } finally {
      src.disconnect();
    }
    const queues = spec.queues ?? ['celery'];
    const lists = await Promise.all(queues.map(async (q) => {
      for (const k of [q, `${q}\x06\x163`, `${q}\x06\x166`, `${q}\x06\x169`]) if ((await this.broker.llen(k)) > 0) return k;
      throw new Error(`stash has no list for queue ${q}`);
    }));
    let total = 0;
    for (const [i, k] of lists.entries()) {
      const share = Math.floor(count / queues.length) + (i < count % queues.length ? 1 : 0);
      await this.broker.ltrim(k, 0, share - 1);
      total += await this.broker.llen(k);
    }
    if (total !== count) throw new Error(`loaded ${total} messages, wanted ${count}`);
  }

  /** One envelope exactly as Python's producer wrote it (from the stash of `spec`), for templating. */
  async capturedEnvelope(spec: MessageSpec): Promise<string> {
    await this.ensureProduced(spec, 1);
    const stash = this.stashes.get(specKey(spec));
    if (!stash) throw new Error('no stash');
    const src = new Redis(this.server.url(stash.db));
    try {
      const raw = await src.lindex((spec.queues ?? ['celery'])[0] as string, 0);
      if (raw === null) throw new Error('empty stash');
      return raw;
    } finally {
      src.disconnect();
    }
  }

  /** Copies kombu's binding sets of a stash into the broker DB (what a Python producer's declare leaves). */
  async copyBindings(spec: MessageSpec): Promise<void> {
    const stash = this.stashes.get(specKey(spec));
    if (!stash) throw new Error('no stash');
    const src = new Redis(this.server.url(stash.db));
    try {
      for (const k of stash.keys.filter((k) => k.startsWith('_kombu.binding.'))) await src.call('COPY', k, k, 'DB', String(BROKER_DB), 'REPLACE');
    } finally {
      src.disconnect();
    }
  }
}

/**
 * Pushes `count` copies of a Python-produced envelope onto `queue`, each with a fresh task id (headers
 * id/root_id, properties correlation_id) and a fresh delivery_tag: byte for byte what Python's producer
 * would write for that many send_task calls. Variadic LPUSH of 1,000 per command, 8 commands in flight.
 */
export async function pushCopies(broker: Redis, template: string, queue: string, count: number): Promise<number> {
  const env = JSON.parse(template) as { headers: { id: string }; properties: { delivery_tag: string } };
  const id = env.headers.id;
  const tag = env.properties.delivery_tag;
  const started = performance.now();
  const batch = 1000;
  let inFlight: Promise<unknown>[] = [];
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done);
    const items = new Array<string>(n);
    for (let i = 0; i < n; i++) items[i] = template.replaceAll(id, randomUUID()).replaceAll(tag, randomUUID());
    inFlight.push(broker.lpush(queue, ...items));
    if (inFlight.length >= 8) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  return (performance.now() - started) / 1000;
}

/** One drain: what was measured, or why it could not be. */
export interface DrainRun {
  tasks: number;
  completed: number;
  /** Steady state, tasks/s: (n - burst) / (last date_done - first date_done). */
  steady?: number;
  /** End to end, tasks/s: n / (last date_done - worker spawn). */
  e2e?: number;
  /** Worker spawn to its ready line, s. */
  startupSec?: number;
  peakRssMiB?: number;
  /** Worker CPU (user+sys, process tree) from ready to the last result, per task, µs. */
  workerCpuUs?: number;
  redis: CommandDelta;
  unackedLeft?: number;
  error?: string;
}

export interface DrainOptions {
  impl: Impl;
  spec: WorkerSpec;
  messages: MessageSpec;
  tasks: number;
  /** Completions the first date_done stands for (the concurrency for sleep tasks). Default 1. */
  burst?: number;
  /** Worker URLs (a delay proxy); default straight to the server. */
  brokerUrl?: string;
  backendUrl?: string;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Loads the messages, spawns the worker, waits for every result, and reads the result metas. */
export async function drain(r: BenchRedis, o: DrainOptions): Promise<DrainRun> {
  const run: DrainRun = { tasks: o.tasks, completed: 0, redis: new CommandDelta() };
  try {
    await r.load(o.messages, o.tasks);
  } catch (err) {
    run.error = `loading messages: ${firstLine(err)}`;
    return run;
  }
  const before = await redisSnapshot(r.admin);
  const spawnedAt = Date.now();
  let worker: BenchWorker;
  try {
    worker = await o.impl.start(o.brokerUrl ?? r.server.url(BROKER_DB), o.backendUrl ?? r.server.url(RESULT_DB), o.spec);
  } catch (err) {
    run.error = `start: ${firstLine(err)}`;
    return run;
  }
  run.startupSec = (Date.now() - spawnedAt) / 1000;
  const cpuAtReady = treeCpuSeconds(worker.pid);
  try {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = await r.results.dbsize();
      if (n >= o.tasks) break;
      if (n !== last) { last = n; lastChange = Date.now(); }
      if (worker.exited) {
        log(`worker exited early; its last output:\n${worker.tail()}`);
        throw new Error(`worker exited after ${n} results: ${worker.tail().split('\n').slice(-3).map((l) => (/"msg":"([^"]*)"/.exec(l)?.[1] ?? l).slice(0, 120)).join(' | ')}`);
      }
      if (Date.now() - lastChange > STALL_MS) throw new Error(`stalled at ${n}/${o.tasks} results for ${STALL_MS / 1000} s`);
      if (Date.now() - spawnedAt > DRAIN_CAP_MS) throw new Error(`not done after ${DRAIN_CAP_MS / 1000} s (${n}/${o.tasks})`);
      await sleep(100);
    }
    const cpuAtDone = treeCpuSeconds(worker.pid);
    // acks-late workers ack just after storing the result: give the last acks a moment.
    for (let i = 0; i < 50 && (await r.broker.hlen('unacked')) > 0; i++) await sleep(100);
    run.unackedLeft = await r.broker.hlen('unacked');
    run.redis.add(before, await redisSnapshot(r.admin), o.tasks);
    run.peakRssMiB = treePeakRssMiB(worker.pid);
    run.workerCpuUs = ((cpuAtDone - cpuAtReady) * 1e6) / o.tasks;
  } catch (err) {
    run.error = firstLine(err);
    run.peakRssMiB = treePeakRssMiB(worker.pid) || undefined; // 0 once the process has gone
  } finally {
    await worker.stop().catch(() => undefined);
  }
  const done = await readDoneTimes(r.results);
  run.completed = done.count;
  if (!run.error && done.succeeded < o.tasks) run.error = `${done.succeeded}/${o.tasks} SUCCESS metas`;
  run.steady = steadyRate(done.times, o.burst ?? 1);
  const lastDone = done.times[done.times.length - 1];
  if (lastDone !== undefined && lastDone > spawnedAt) run.e2e = done.times.length / ((lastDone - spawnedAt) / 1000);
  return run;
}

/** Percentiles of one latency case. */
export interface LatencyRun {
  p50?: number;
  p99?: number;
  max?: number;
  /** Share of calls whose result was stored before the client's first GET (null: not counted). */
  firstGetFound?: number | null;
  /** User+sys CPU of the worker's process tree over the case (warm-up calls included), per call, in µs. */
  workerCpuUsPerCall?: number;
  error?: string;
}

/** A latency case: how Python sends (apply_async options). */
export interface LatencyCase {
  queue?: string;
  priority?: number;
}

/** Starts one worker and runs sequential .delay().get() from Python for each case in turn. */
export async function latency(r: BenchRedis, impl: Impl, spec: WorkerSpec, cases: LatencyCase[], calls: number, warmup: number):
Promise<{ runs: LatencyRun[]; peakRssMiB?: number }> {
  await r.flushLegDbs();
  let worker: BenchWorker;
  try {
    worker = await impl.start(r.server.url(BROKER_DB), r.server.url(RESULT_DB), spec);
  } catch (err) {
    const error = `start: ${firstLine(err)}`;
    return { runs: cases.map(() => ({ error })) };
  }
  const runs: LatencyRun[] = [];
  try {
    for (const c of cases) {
      const args = [String(calls), '--warmup', String(warmup)];
      if (c.queue !== undefined) args.push('--queue', c.queue);
      if (c.priority !== undefined) args.push('--priority', String(c.priority));
      try {
        const cpuBefore = treeCpuSeconds(worker.pid);
        const out = await r.python<{ p50: number; p99: number; max: number; first_get_found: number | null }>('bench_latency.py', args,
          undefined, undefined, 30_000 + calls * 200);
        const workerCpuUsPerCall = ((treeCpuSeconds(worker.pid) - cpuBefore) * 1e6) / (calls + warmup);
        runs.push({ p50: out.p50, p99: out.p99, max: out.max, firstGetFound: out.first_get_found, workerCpuUsPerCall });
      } catch (err) {
        runs.push({ error: firstLine(err) });
      }
    }
    return { runs, peakRssMiB: treePeakRssMiB(worker.pid) };
  } finally {
    await worker.stop().catch(() => undefined);
  }
}
