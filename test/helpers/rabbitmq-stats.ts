import type { RabbitMqServer } from './rabbitmq-server';

/** One queue as `rabbitmqctl list_queues` reports it. */
export interface QueueStats {
  name: string;
  /** `classic` or `quorum`. */
  type: string;
  ready: number;
  unacked: number;
}

/** One consumer as `rabbitmqctl list_consumers` reports it. */
export interface ConsumerStats {
  queue: string;
  prefetchCount: number;
}

function rows(out: string): string[][] {
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => l.split('\t'));
}

/** Every queue of a vhost (default `/`), by name. */
export async function listQueues(server: RabbitMqServer, vhost = '/'): Promise<Map<string, QueueStats>> {
  const out = await server.ctl('list_queues', '-p', vhost, '-q', '--no-table-headers', 'name', 'type', 'messages_ready', 'messages_unacknowledged');
  return new Map(rows(out).map(([name = '', type = '', ready = '0', unacked = '0']) => [name, { name, type, ready: Number(ready), unacked: Number(unacked) }]));
}

/** Every consumer of a vhost (default `/`). */
export async function listConsumers(server: RabbitMqServer, vhost = '/'): Promise<ConsumerStats[]> {
  const out = await server.ctl('list_consumers', '-p', vhost, '-q', '--no-table-headers', 'queue_name', 'prefetch_count');
  return rows(out).map(([queue = '', prefetch = '0']) => ({ queue, prefetchCount: Number(prefetch) }));
}

/** Messages (ready + unacked) held in the `celery_delayed_*` level queues, by level. */
export async function delayedLevelMessages(server: RabbitMqServer, vhost = '/'): Promise<Map<number, number>> {
  const held = new Map<number, number>();
  for (const q of (await listQueues(server, vhost)).values()) {
    const m = /^celery_delayed_(\d+)$/.exec(q.name);
    if (m && q.ready + q.unacked > 0) held.set(Number(m[1]), q.ready + q.unacked);
  }
  return held;
}

/** Polls `check` (rabbitmqctl is not an event source) until it returns a value, failing after `timeoutMs`. */
export async function pollBroker<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let interval = 50; ; interval = Math.min(interval * 2, 500)) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
