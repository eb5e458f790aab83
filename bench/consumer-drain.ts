// The Redis consumer alone, A/B of builds: `node dist/bench/consumer-drain.js <root> [<root> ...]`, each root a
// checkout with its own dist/ (as for ab-cpu.ts). One private redis-server; DRAIN_TASKS (30000) copies of one
// envelope (fresh id and delivery_tag each) queued, one RedisTransport consumer of each build in turn (A, B, A,
// B, ...) drains them with prefetch DRAIN_PREFETCH (400), acking each delivery DRAIN_HOLD_MS (6) after it
// arrived, a stand-in for a task storing its result; deliveries/s from the first to the last delivery. No
// worker, no decode of the task: what the consume loop can deliver. DRAIN_PROXY_MS (1; 0 = straight to Redis)
// puts the consumer behind delay-proxy.ts; DRAIN_REPEATS (5).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import { startRedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from '../interop-tests/helpers/child-registry';
import type { Transport } from '../src/transport/transport';
import { startDelayProxy, type DelayProxy } from './delay-proxy';
import { log } from './bench-core';

const TASKS = Number(process.env.DRAIN_TASKS ?? 30_000);
const PREFETCH = Number(process.env.DRAIN_PREFETCH ?? 400);
const HOLD_MS = Number(process.env.DRAIN_HOLD_MS ?? 6);
const PROXY_MS = Number(process.env.DRAIN_PROXY_MS ?? 1);
const REPEATS = Number(process.env.DRAIN_REPEATS ?? 5);
const DB = 1;
const QUEUE = 'drain';

type CreateTransport = (url: string, options: object, logger: pino.Logger) => Transport;

function transportOf(root: string): CreateTransport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(root, 'dist', 'src', 'transport', 'redis', 'redis-transport.js')) as { createRedisTransport: CreateTransport }).createRedisTransport;
}

async function fill(admin: Redis, template: { headers: Record<string, unknown>; properties: Record<string, unknown> }): Promise<void> {
  await admin.del(QUEUE, 'unacked', 'unacked_index');
  for (let i = 0; i < TASKS; i += 1000) {
    const pipe = admin.pipeline();
    for (let j = i; j < Math.min(TASKS, i + 1000); j++) {
      template.properties.delivery_tag = randomUUID();
      template.headers.id = randomUUID();
      pipe.lpush(QUEUE, JSON.stringify(template));
    }
    await pipe.exec();
  }
}

/** One drain: deliveries/s from the first delivery to the last. */
async function drainOnce(create: CreateTransport, url: string): Promise<number> {
  const t = create(url, {}, pino({ level: 'silent' }));
  await t.connect();
  let n = 0;
  let first = 0;
  const last = await new Promise<number>((resolve) => {
    void t.consume([QUEUE], PREFETCH, (d) => {
      if (n++ === 0) first = performance.now();
      if (n === TASKS) resolve(performance.now());
      setTimeout(() => { d.ack().catch(() => undefined); }, HOLD_MS);
    });
  });
  await t.close();
  return (TASKS - 1) / ((last - first) / 1000);
}

async function main(): Promise<void> {
  const roots = process.argv.slice(2);
  if (roots.length === 0) throw new Error('usage: node dist/bench/consumer-drain.js <root> [<root> ...]');
  const server = await startRedisServer();
  const admin = new Redis(server.port, '127.0.0.1', { db: DB });
  let proxy: DelayProxy | undefined;
  const rates = roots.map(() => [] as number[]);
  try {
    const seed = transportOf(roots[0] as string)(server.url(DB), {}, pino({ level: 'silent' }));
    await seed.connect();
    await seed.declareQueue(QUEUE, { exchange: QUEUE, routingKey: QUEUE });
    await seed.publish({ body: Buffer.from('[[], {}, {}]'), contentType: 'application/json', contentEncoding: 'utf-8',
      headers: { id: 'x', task: 'bench.noop', lang: 'py' }, properties: { delivery_mode: 2 } }, { exchange: QUEUE, routingKey: QUEUE });
    await seed.close();
    const template = JSON.parse((await admin.rpop(QUEUE)) ?? '{}') as { headers: Record<string, unknown>; properties: Record<string, unknown> };
    if (PROXY_MS > 0) proxy = await startDelayProxy(server.port, PROXY_MS);
    const url = proxy ? proxy.url(DB) : server.url(DB);
    for (let rep = 1; rep <= REPEATS; rep++) {
      for (const [i, root] of roots.entries()) {
        await fill(admin, template);
        const rate = await drainOnce(transportOf(root), url);
        log(`${root} run ${rep}: ${rate.toFixed(0)} deliveries/s`);
        (rates[i] as number[]).push(rate);
      }
    }
  } finally {
    admin.disconnect();
    await proxy?.stop();
    await killAllChildren();
    await server.stop();
  }
  process.stdout.write(`${TASKS} deliveries x ${REPEATS}, prefetch ${PREFETCH}, ack ${HOLD_MS} ms after delivery, ${PROXY_MS ? `behind a ${PROXY_MS} ms delay proxy` : 'straight to Redis'}; median (min–max)\n`);
  for (const [i, root] of roots.entries()) {
    const s = [...(rates[i] as number[])].sort((a, b) => a - b);
    process.stdout.write(`${String.fromCharCode(65 + i)}=${root}: ${(s[s.length >> 1] ?? NaN).toFixed(0)} (${(s[0] ?? NaN).toFixed(0)}–${(s[s.length - 1] ?? NaN).toFixed(0)}) deliveries/s\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
