import Redis from 'ioredis';
import pino from 'pino';
import { RedisConsumer, type PoppedElement } from '../../src/transport/redis/redis-consumer';
import { RedisKeyWatchers } from '../../src/transport/redis/redis-key-watchers';
import { buildRedisKeys } from '../../src/transport/redis/redis-keys';
import { popAndRecordScript } from '../../src/transport/redis/redis-scripts';
import { defaultRedisTransportOptions } from '../../src/transport/redis/redis-transport-options';

// A RedisConsumer built on clients a test owns, with a sink that records what it got: the consumer's
// own connection is spied on to count its pop calls (the watchers' connections are not).

const silent = pino({ level: 'silent' });
const STEPS = defaultRedisTransportOptions.prioritySteps;

/** What the sink got: elements in arrival order; `settle` gives credit back as an ack would. */
export class Arrivals {
  readonly items: PoppedElement[] = [];
  settled = 0;
  maxOutstanding = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  receive(element: PoppedElement, consumer: RedisConsumer): void {
    this.items.push(element);
    consumer.track(1);
    this.maxOutstanding = Math.max(this.maxOutstanding, this.items.length - this.settled);
    this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
  }

  settle(consumer: RedisConsumer, n: number): void {
    for (let i = 0; i < n; i++) consumer.track(-1);
    this.settled += n;
  }

  /** Resolves once `n` elements arrived in total; fails after 5 s. */
  until(n: number): Promise<void> {
    if (this.items.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.items.length} of ${n} elements arrived`)), 5000);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** Message bodies (the envelopes' base64 bodies decoded), optionally of one queue. */
  bodies(queue?: string): string[] {
    return this.items.filter((e) => queue === undefined || e.queue === queue)
      .map((e) => Buffer.from((JSON.parse(e.raw) as { body: string }).body, 'base64').toString('utf8'));
  }
}

export interface Rig {
  consumer: RedisConsumer;
  arrivals: Arrivals;
  client: Redis;
  /** Most pop calls ever in flight at once on the consumer's connection. */
  maxInFlight: () => number;
  /** Most messages one pop call returned. */
  maxBatch: () => number;
  /** Pop calls sent on the consumer's own connection so far. */
  pops: () => number;
  /** Resolves once every pop the consumer has sent was answered and handed to the sink. */
  quiet: () => Promise<void>;
  /** The consumer's log records (debug and up), parsed. */
  logs: Array<Record<string, unknown>>;
}

/**
 * A consumer on `queues` of db `db` of the redis-server on `port`, with a polling interval of `pollingSec`;
 * pops queued behind the watchers unless `queuedPops` says otherwise (on loopback 'auto' means none).
 */
export async function consumerRig(port: number, db: number, queues: string[], prefetch: number, pollingSec = 30,
  queuedPops: boolean | 'auto' = true): Promise<Rig> {
  const client = new Redis(port, '127.0.0.1', { db });
  await client.script('LOAD', popAndRecordScript.source);
  let open = 0;
  let most = 0;
  let batch = 0;
  let sent = 0;
  const spied = client as unknown as { evalsha: (...args: unknown[]) => Promise<unknown> };
  const evalsha = spied.evalsha.bind(client);
  spied.evalsha = (...args: unknown[]) => {
    open += 1;
    sent += 1;
    most = Math.max(most, open);
    return evalsha(...args).then((reply) => {
      batch = Math.max(batch, ((reply as unknown[]).length - 1) / 4);
      return reply;
    }).finally(() => { open -= 1; });
  };
  const control = new Redis(port, '127.0.0.1', { db });
  const watchers = new RedisKeyWatchers(async () => new Redis(port, '127.0.0.1', { db }), control, pollingSec, silent);
  const arrivals = new Arrivals();
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
  const consumer = new RedisConsumer(client, watchers, buildRedisKeys(defaultRedisTransportOptions, db), STEPS,
    { maxElementBytes: 0, poisonQueue: '' }, { receive: (e, c) => arrivals.receive(e, c) }, logger, queues, prefetch,
    async () => { await client.quit(); await control.quit(); }, queuedPops);
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  // A turn lets the loop send what it decided to; the PING is answered after every pop sent before it;
  // another turn lets those replies reach the sink.
  const quiet = async (): Promise<void> => { await turn(); await client.ping(); await turn(); };
  return { consumer, arrivals, client, maxInFlight: () => most, maxBatch: () => batch, pops: () => sent, quiet, logs };
}

/** Connections of db `n` blocked in BLMOVE (the key watchers), from CLIENT LIST on `admin`. */
export async function blockedWatchers(admin: Redis, n: number): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').filter((l) => l.includes(` db=${n} `) && l.includes('cmd=blmove')).length;
}

/** Waits until the check holds: an observed state change, re-checked every 10 ms, 5 s at most. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A kombu-shaped envelope with body `body` (base64) and a fresh delivery tag. */
export function envelope(body: string): string {
  return JSON.stringify({ body: Buffer.from(body).toString('base64'), 'content-encoding': 'utf-8', 'content-type': 'text/plain',
    headers: {}, properties: { delivery_tag: `tag-${body}-${Math.random().toString(36).slice(2)}`, body_encoding: 'base64',
      delivery_info: { exchange: '', routing_key: 'x' }, priority: 0 } });
}
