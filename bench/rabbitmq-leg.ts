// The bench's RabbitMQ leg (BENCH_ONLY=rabbitmq): celeriac beside Python Celery 5.6.2 (prefork -c 2) on one private
// rabbitmq-server this leg starts, results in the bench's Redis (DB 2). Every run drains copies of one message Python's
// own producer (bench_produce.py over py-amqp) put on the durable `celery` queue, acks late, results stored. Steady
// state and end-to-end are measured from the stored date_done values, as the Redis legs are.
import '../src/transport/amqp/amqp-long-int-tag'; // before amqplib loads, as the transport does
import { randomUUID } from 'node:crypto';
import { connect, type Options } from 'amqplib';
import { decodeTable, encodeTable } from '../src/transport/amqp/amqp-header-table';
import { runPythonJson } from '../interop-tests/helpers/python';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { BENCH_PYTHON_DIR, celeriacImpl, pythonImpl, type BenchWorker, type Impl, type WorkerSpec } from './bench-legs';
import { type BenchRedis, firstLine, log, RESULT_DB } from './bench-core';
import { treeCpuSeconds, treePeakRssMiB } from './process-memory';
import { readDoneTimes, steadyRate } from './result-scan';
import { fmt, median, spread } from './bench-format';
import { count } from './bench-knobs';

/** Sizes: BENCH_RABBITMQ_TASKS (celeriac, 100,000), BENCH_RABBITMQ_PY_TASKS (Python, 20,000), BENCH_REPEATS celeriac runs (3). */
const CFG = {
  nodeTasks: count('BENCH_RABBITMQ_TASKS', 100_000, 5_000),
  pyTasks: count('BENCH_RABBITMQ_PY_TASKS', 20_000, 1_000),
  repeats: count('BENCH_REPEATS', 3, 1),
  profile: process.env.BENCH_PROFILE === '1',
};
const QUEUE = 'celery';
const STALL_MS = 30_000;

/** One drain on RabbitMQ. */
interface AmqpRun {
  steady?: number;
  e2e?: number;
  startupSec?: number;
  peakRssMiB?: number;
  workerCpuUs?: number;
  brokerCpuUs?: number;
  produceRate?: number;
  error?: string;
}

/** What the section prints, and the errors run-bench counts. */
export interface RabbitmqSectionResult { lines: string[]; errors: string[] }

/** Runs the RabbitMQ leg on its own private broker; results go to the bench's Redis. */
export async function rabbitmqSection(r: BenchRedis): Promise<RabbitmqSectionResult> {
  const rabbit = await startRabbitMqServer();
  const errors: string[] = [];
  try {
    const version = (await rabbit.ctl('eval', 'rabbit_misc:version().')).trim().replace(/"/g, '');
    const vmPid = Number((await rabbit.ctl('eval', 'os:getpid().')).trim().replace(/"/g, ''));
    const cel: AmqpRun[] = [];
    const nodeSpec: WorkerSpec = { concurrency: 100 };
    for (let rep = 1; rep <= CFG.repeats; rep++) {
      log(`rabbitmq: celeriac run ${rep}/${CFG.repeats}, ${CFG.nodeTasks} tasks`);
      cel.push(await amqpDrain(r, rabbit, vmPid, celeriacImpl, rabbit.url('amqp'), nodeSpec, CFG.nodeTasks));
    }
    const pySpec: WorkerSpec = { concurrency: 2 };
    log(`rabbitmq: Python prefork -c 2, ${CFG.pyTasks} tasks`);
    const py = await amqpDrain(r, rabbit, vmPid, pythonImpl, rabbit.url('pyamqp'), pySpec, CFG.pyTasks);
    let profiled: AmqpRun | undefined;
    let profileDir: string | undefined;
    if (CFG.profile) {
      const { mkdtempSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      profileDir = mkdtempSync(join(tmpdir(), 'celeriac-bench-amqp-cpuprof-'));
      log(`rabbitmq: celeriac under --cpu-prof (${profileDir})`);
      profiled = await amqpDrain(r, rabbit, vmPid, celeriacImpl, rabbit.url('amqp'),
        { ...nodeSpec, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }, CFG.nodeTasks);
    }
    for (const [i, run] of cel.entries()) if (run.error) errors.push(`celeriac run ${i + 1}: ${run.error}`);
    if (py.error) errors.push(`python: ${py.error}`);
    return { lines: render(version, cel, py, nodeSpec, pySpec, profiled, profileDir), errors };
  } finally {
    await rabbit.stop();
  }
}

/** Python produces `tasks` messages on `celery`, then one worker drains them; measured from the stored metas. */
async function amqpDrain(r: BenchRedis, rabbit: RabbitMqServer, vmPid: number, impl: Impl, brokerUrl: string, spec: WorkerSpec,
  tasks: number): Promise<AmqpRun> {
  const run: AmqpRun = {};
  await r.results.flushdb();
  try {
    run.produceRate = await fill(rabbit, r.server.url(RESULT_DB), tasks);
  } catch (err) {
    return { error: `producing: ${firstLine(err)}` };
  }
  const brokerCpuBefore = treeCpuSeconds(vmPid);
  const spawnedAt = Date.now();
  let worker: BenchWorker;
  try {
    worker = await impl.start(brokerUrl, r.server.url(RESULT_DB), spec);
  } catch (err) {
    return { ...run, error: `start: ${firstLine(err)}` };
  }
  run.startupSec = (Date.now() - spawnedAt) / 1000;
  const cpuAtReady = treeCpuSeconds(worker.pid);
  try {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = await r.results.dbsize();
      if (n >= tasks) break;
      if (n !== last) { last = n; lastChange = Date.now(); }
      if (worker.exited) throw new Error(`worker exited after ${n} results: ${worker.tail().split('\n').slice(-2).join(' | ').slice(0, 240)}`);
      if (Date.now() - lastChange > STALL_MS) throw new Error(`stalled at ${n}/${tasks} results for ${STALL_MS / 1000} s`);
      await new Promise((res) => setTimeout(res, 100));
    }
    run.workerCpuUs = ((treeCpuSeconds(worker.pid) - cpuAtReady) * 1e6) / tasks;
    run.brokerCpuUs = ((treeCpuSeconds(vmPid) - brokerCpuBefore) * 1e6) / tasks;
    run.peakRssMiB = treePeakRssMiB(worker.pid);
  } catch (err) {
    run.error = firstLine(err);
  } finally {
    await worker.stop().catch(() => undefined);
  }
  const done = await readDoneTimes(r.results);
  if (!run.error && done.succeeded < tasks) run.error = `${done.succeeded}/${tasks} SUCCESS metas`;
  run.steady = steadyRate(done.times);
  const lastDone = done.times[done.times.length - 1];
  if (lastDone !== undefined && lastDone > spawnedAt) run.e2e = done.times.length / ((lastDone - spawnedAt) / 1000);
  log(`  steady ${Math.round(run.steady ?? 0)}/s, end-to-end ${Math.round(run.e2e ?? 0)}/s${run.error ? `, ERROR ${run.error}` : ''}`);
  return run;
}

/** One message exactly as Python's producer published it (bench_produce.py over py-amqp), read back with basic.get. */
interface Template { exchange: string; routingKey: string; content: Buffer; properties: Options.Publish; headers: Record<string, unknown> }

let template: Template | undefined;

/** Python sends one bench.noop; it is taken off the queue and kept as the template of every run's messages. */
async function captureTemplate(rabbit: RabbitMqServer, backendUrl: string): Promise<Template> {
  await withChannel(rabbit, async (ch) => { await ch.assertQueue(QUEUE, { durable: true }); await ch.purgeQueue(QUEUE); });
  await runPythonJson(`${BENCH_PYTHON_DIR}/bench_produce.py`, { args: ['1'], timeoutMs: 120_000,
    env: { CELERY_BROKER_URL: rabbit.url('pyamqp'), CELERY_RESULT_BACKEND: backendUrl, PYTHONPATH: BENCH_PYTHON_DIR } });
  return withChannel(rabbit, async (ch) => {
    const m = await ch.get(QUEUE, { noAck: true });
    if (!m) throw new Error('the Python-produced message did not reach the queue');
    const { headers, ...properties } = m.properties as Options.Publish & { headers?: Record<string, unknown> };
    return { exchange: m.fields.exchange, routingKey: m.fields.routingKey, content: m.content, properties, headers: decodeTable(headers) };
  });
}

/**
 * Empties the queue and publishes `tasks` copies of the Python-produced template (same exchange, routing key, body
 * bytes and properties), each with a fresh task id (headers id/root_id, correlation_id) as that many send_task
 * calls would; headers typed as py-amqp writes them. Publisher confirms; resolves to messages/s.
 */
async function fill(rabbit: RabbitMqServer, backendUrl: string, tasks: number): Promise<number> {
  template ??= await captureTemplate(rabbit, backendUrl);
  const t = template;
  const conn = await connect(rabbit.url());
  const t0 = Date.now();
  try {
    const ch = await conn.createConfirmChannel();
    await ch.purgeQueue(QUEUE);
    for (let i = 0; i < tasks; i++) {
      const id = randomUUID();
      const ok = ch.publish(t.exchange, t.routingKey, t.content,
        { ...t.properties, correlationId: id, headers: encodeTable({ ...t.headers, id, root_id: id }) });
      if (!ok) await new Promise((res) => ch.once('drain', res));
      if (i % 10_000 === 9_999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    const queued = (await ch.checkQueue(QUEUE)).messageCount;
    if (queued !== tasks) throw new Error(`${queued} messages queued, wanted ${tasks}`);
    await ch.close();
  } finally {
    await conn.close();
  }
  const rate = tasks / ((Date.now() - t0) / 1000);
  log(`queued ${tasks} copies of a Python-produced bench.noop on RabbitMQ (${Math.round(rate)}/s)`);
  return rate;
}

async function withChannel<T>(rabbit: RabbitMqServer, fn: (ch: import('amqplib').Channel) => Promise<T>): Promise<T> {
  const conn = await connect(rabbit.url());
  try {
    return await fn(await conn.createChannel());
  } finally {
    await conn.close();
  }
}

// ---------------------------------------------------------------- table

const pick = (runs: AmqpRun[], k: keyof AmqpRun): number[] => runs.flatMap((x) => (!x.error && typeof x[k] === 'number' ? [x[k] as number] : []));

function row(impl: Impl, command: string, tasks: number, runs: AmqpRun[], note = ''): string {
  const rss = runs.flatMap((x) => (x.peakRssMiB ? [x.peakRssMiB] : []));
  const errs = runs.flatMap((x, i) => (x.error ? [`run ${i + 1}: ${x.error}`] : []));
  return `| ${impl.name} | \`${command}\` | ${tasks.toLocaleString('en-US')} × ${runs.length} | **${fmt(median(pick(runs, 'steady')))}** | ${spread(pick(runs, 'steady'))} `
    + `| ${fmt(median(pick(runs, 'e2e')))} | ${spread(pick(runs, 'e2e'))} | ${fmt(median(pick(runs, 'startupSec')), 2)} | ${fmt(rss.length ? Math.max(...rss) : undefined, 1)} `
    + `| ${fmt(median(pick(runs, 'workerCpuUs')), 1)} | ${fmt(median(pick(runs, 'brokerCpuUs')), 1)} | ${fmt(median(pick(runs, 'produceRate')))} | ${[note, ...errs].filter(Boolean).join('; ')} |`;
}

function render(version: string, cel: AmqpRun[], py: AmqpRun, nodeSpec: WorkerSpec, pySpec: WorkerSpec, profiled?: AmqpRun, profileDir?: string): string[] {
  const cs = median(pick(cel, 'steady'));
  const ce = median(pick(cel, 'e2e'));
  const ratio = (a: number | undefined, b: number | undefined): string => fmt(a !== undefined && b ? a / b : undefined, 2);
  return [
    `## RabbitMQ: drain of Python-produced no-op tasks over AMQP, results stored in Redis, acks late (issue 10)`,
    '',
    `One private rabbitmq-server ${version} (classic durable queue \`celery\`, loopback, no plugins) started by this leg; results in the bench's Redis DB 2. `
    + 'Messages: one bench.noop sent by Python\'s own producer (`bench_produce.py`, py-amqp) is read back and, before every run, published again '
    + 'as many times as the run needs from Node (same exchange, body bytes and properties, a fresh task id each, persistent, publisher confirms), '
    + 'as the Redis memory leg copies its envelope (Python\'s producer is slower than the drain it would feed). Then one worker drains them. celeriac connects with `amqp://`, Python with `pyamqp://`. Steady state = (n − 1) / (last − first `date_done`); '
    + 'end-to-end = n / (last `date_done` − worker spawn), start-up included. RabbitMQ CPU = the broker VM\'s user+sys over the run, per task.',
    '',
    '| worker | command | tasks × runs | **steady** tasks/s (median) | steady min–max | end-to-end tasks/s (median) | end-to-end min–max | start-up (s) | peak RSS (MiB) | worker CPU µs/task | RabbitMQ CPU µs/task | queued msg/s | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    row(celeriacImpl, celeriacImpl.describe(nodeSpec), CFG.nodeTasks, cel),
    row(pythonImpl, pythonImpl.describe(pySpec), CFG.pyTasks, [py], 'fewer tasks (slower)'),
    ...(profiled ? [row({ ...celeriacImpl, name: 'celeriac (--cpu-prof)' }, `node --cpu-prof ${celeriacImpl.describe(nodeSpec)}`, CFG.nodeTasks, [profiled],
      `profiled, not in the ratio; ${profileDir}`)] : []),
    '',
    `celeriac / Python prefork -c 2 on RabbitMQ: steady ${ratio(cs, py.steady)}×, end-to-end ${ratio(ce, py.e2e)}×.`,
  ];
}
