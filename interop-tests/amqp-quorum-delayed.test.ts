// RabbitMQ quorum queues and Celery 5.5+'s native delayed delivery, with real Python Celery 5.6.2 (py-amqp)
// on one private rabbitmq-server (results in a private Redis DB 2). Each scenario runs in its own vhost,
// so the `celery_delayed_*` levels are declared first by Python in one and by celeriac in another:
// - Python and celeriac workers share a quorum queue on a topic exchange; whoever declares second
//   (queue, exchange, the 28 levels, the bindings) gets no 406, and both run tasks;
// - Python's apply_async(countdown=8) waits in celery_delayed_3, then celeriac runs it, not before its ETA;
// - a celeriac (TypeScript) producer's countdown goes the same way and a Python worker runs it;
// - celeriac at -c 2, multiplier 1 has 2 unacked on the broker under a per-consumer qos of 2;
// - an ETA sent by Python through a direct exchange (no native delay) is postponed by celeriac
//   through the levels instead of held unacked, and still runs after its ETA.
import { Celery } from '../src/app/celery';
import { startRabbitMqServer, type RabbitMqServer } from '../test/helpers/rabbitmq-server';
import { delayedLevelMessages, listConsumers, listQueues, pollBroker } from '../test/helpers/rabbitmq-stats';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { killAllChildren } from './helpers/child-registry';
import { celeryEnv, runPythonJson } from './helpers/python';
import { startPythonWorker, type PythonWorker } from './helpers/python-worker';
import { RedisProbe } from './helpers/redis-probe';

let rabbit: RabbitMqServer;
let redis: RedisServer;
let probe: RedisProbe;
const workers: Array<CeleriacWorker | PythonWorker> = [];

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbitMqServer(), startRedisServer()]);
  probe = new RedisProbe(redis.url(3), redis.url(2));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await killAllChildren();
  probe?.broker.disconnect();
  probe?.results.disconnect();
  await rabbit?.stop();
  await redis?.stop();
}, 60_000);

/** A fresh vhost (guest may use it); its URL for py-amqp and amqplib alike. */
async function vhost(name: string): Promise<string> {
  await rabbit.ctl('add_vhost', name);
  await rabbit.ctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return `amqp://guest:guest@127.0.0.1:${rabbit.port}/${name}`;
}

/** One quorum queue on a topic exchange: what native delayed delivery needs (Celery's docs' setup). */
const quorumTopic = (name: string): Record<string, unknown> =>
  ({ [name]: { exchange: name, exchange_type: 'topic', routing_key: name, queue_arguments: { 'x-queue-type': 'quorum' } } });

const pyEnv = (url: string, queues: Record<string, unknown>): Record<string, string> =>
  celeryEnv(url, redis.url(2), { QAPP_QUEUES: JSON.stringify(queues), TAPP_COUNTER_URL: redis.url(3) });
const tsEnv = (queues: Record<string, unknown>, extra: Record<string, string> = {}): Record<string, string> =>
  ({ CELERY_TASK_QUEUES: JSON.stringify(queues), TAPP_COUNTER_URL: redis.url(3), ...extra });

async function send(url: string, queues: Record<string, unknown>, specs: unknown[]): Promise<{ ids: string[]; sent_at: number }> {
  return runPythonJson('qapp_send.py', { env: pyEnv(url, queues), input: JSON.stringify(specs) });
}

async function outcomes(url: string, ids: string[]): Promise<Record<string, { state: string; value?: unknown }>> {
  return runPythonJson('core_wait.py', { env: celeryEnv(url, redis.url(2)), input: JSON.stringify(ids), timeoutMs: 120_000 });
}

/** Who ran a tapp.fleet task (`ts:<node>` / `py:<node>`, one entry per execution). */
const ranBy = (id: string): Promise<string[]> => probe.broker.lrange(`tapp:ran:${id}`, 0, -1);

/** date_done of a stored result, in epoch ms. */
async function doneAt(id: string): Promise<number> {
  const meta = JSON.parse((await probe.results.get(`celery-task-meta-${id}`)) ?? '{}') as { date_done?: string };
  return Date.parse(meta.date_done?.endsWith('+00:00') || meta.date_done?.endsWith('Z') ? meta.date_done : `${meta.date_done}Z`);
}

/** Python's worker logs a failed declaration (406 on the queue, "Failed to declare" in DelayedDelivery) without exiting. */
const declarationTrouble = /PRECONDITION_FAILED|inequivalent arg|Failed to (setup|declare|bind)/;

describe.each(['Python', 'celeriac'] as const)('%s declares first', (first) => {
  const name = first === 'Python' ? 'py-first' : 'ts-first';
  const queue = `quorum.${name}`;
  const queues = quorumTopic(queue);
  let url: string;
  let py: PythonWorker;
  let ts: CeleriacWorker;

  it('a Python and a celeriac worker share the quorum queue with no 406 either way, and both run its tasks', async () => {
    url = await vhost(name);
    const startPy = async (): Promise<PythonWorker> => startPythonWorker({ brokerUrl: url, backendUrl: redis.url(2), appModule: 'qapp',
      queues: [queue], pool: 'threads', concurrency: 1, prefetchMultiplier: 1, nodeName: `py-${name}@%h`, env: pyEnv(url, queues) });
    const startTs = async (): Promise<CeleriacWorker> => startCeleriacWorker({ brokerUrl: url, backendUrl: redis.url(2), queues: [queue],
      concurrency: 1, prefetchMultiplier: 1, nodeName: `ts-${name}@%h`, env: tsEnv(queues) });
    if (first === 'Python') { py = await startPy(); workers.push(py); }
    ts = await startTs();
    workers.push(ts);
    if (first === 'celeriac') {
      // Everything exists already: Python's consumer and DelayedDelivery bootstep declare it again.
      const declared = await listQueues(rabbit, name);
      expect([declared.get(queue)?.type, declared.get('celery_delayed_27')?.type, declared.get('celery_delayed_0')?.type]).toEqual(['quorum', 'quorum', 'quorum']);
      py = await startPy();
      workers.push(py);
    }
    const { ids } = await send(url, queues, [{ name: 'tapp.fleet', args: [150], queue, count: 16 }]);
    const got = await outcomes(url, ids);
    expect(Object.values(got).filter((o) => o.state !== 'SUCCESS')).toEqual([]);
    const runs = (await Promise.all(ids.map(ranBy))).flat();
    expect(runs.some((r) => r.startsWith('py:'))).toBe(true);
    expect(runs.some((r) => r.startsWith('ts:'))).toBe(true);
    expect(py.tail(400)).not.toMatch(declarationTrouble);
    expect(py.tail(400)).toMatch(/Global QoS is disabled/); // Python saw the quorum queue too
  }, 180_000);

  if (first === 'celeriac') {
    it("Python's apply_async(countdown=8) waits in celery_delayed_3, then celeriac runs it, not before its ETA", async () => {
      await py.stop();
      const { ids, sent_at: sentAt } = await send(url, queues, [{ name: 'tapp.fleet', args: [0, 0], queue, countdown: 8 }]);
      // 8 = 0b1000: into the 8 s level; nothing in the queue itself meanwhile.
      await pollBroker(async () => (await delayedLevelMessages(rabbit, name)).get(3) === 1, 'the message in celery_delayed_3', 20_000);
      expect((await listQueues(rabbit, name)).get(queue)).toMatchObject({ ready: 0 });
      const [id] = ids as [string];
      expect((await outcomes(url, ids))[id]).toMatchObject({ state: 'SUCCESS' });
      expect(await ranBy(id)).toEqual([expect.stringMatching(/^ts:/)]);
      expect(await doneAt(id)).toBeGreaterThanOrEqual(sentAt * 1000 + 8000);
    }, 120_000);

    it('a celeriac producer sends a countdown the same way, and a Python worker runs it', async () => {
      await ts.stop();
      py = await startPythonWorker({ brokerUrl: url, backendUrl: redis.url(2), appModule: 'qapp', queues: [queue], pool: 'threads',
        concurrency: 1, nodeName: `py2-${name}@%h`, env: pyEnv(url, queues) });
      workers.push(py);
      const app = new Celery('qts', { conf: { broker_url: url, result_backend: redis.url(2), task_queues: JSON.stringify(queues) } });
      try {
        const sentAt = Date.now();
        const result = await app.sendTask('tapp.fleet', [1, 0], {}, { queue, countdown: 8 });
        // Its countdown comes from the ETA header, truncated as Python's eta= path does (7 here: levels 2, 1, 0).
        await pollBroker(async () => (await delayedLevelMessages(rabbit, name)).size > 0, 'the message in a delayed level', 20_000);
        expect((await listQueues(rabbit, name)).get(queue)).toMatchObject({ ready: 0 });
        expect((await outcomes(url, [result.id]))[result.id]).toMatchObject({ state: 'SUCCESS', value: { i: 1, by: 'py' } });
        expect(await doneAt(result.id)).toBeGreaterThanOrEqual(sentAt + 8000);
      } finally {
        await app.close();
      }
      expect(py.tail(400)).not.toMatch(declarationTrouble);
      await py.stop();
    }, 120_000);
  }
});

it('celeriac at -c 2, prefetch multiplier 1, holds 2 unacked on a quorum queue: a per-consumer qos of 2', async () => {
  const url = await vhost('prefetch');
  const queue = 'quorum.prefetch';
  const queues = quorumTopic(queue);
  const ts = await startCeleriacWorker({ brokerUrl: url, backendUrl: redis.url(2), queues: [queue], concurrency: 2, prefetchMultiplier: 1,
    acksLate: true, nodeName: 'ts-prefetch@%h', env: tsEnv(queues) });
  workers.push(ts);
  const { ids } = await send(url, queues, [{ name: 'tapp.fleet', args: [2000], queue, count: 12 }]);
  expect((await listConsumers(rabbit, 'prefetch')).filter((c) => c.queue === queue)).toEqual([{ queue, prefetchCount: 2 }]);
  // Quorum queues report through periodic metrics: sample them until every task is done. A bound of 2
  // never shows more than 2 unacked, and some sample shows 2 unacked with the rest still ready.
  const samples: Array<{ ready: number; unacked: number }> = [];
  await pollBroker(async () => {
    const q = (await listQueues(rabbit, 'prefetch')).get(queue);
    if (q) samples.push({ ready: q.ready, unacked: q.unacked });
    return (await doneCount(ids)) === ids.length;
  }, 'every task done', 120_000);
  expect(Math.max(...samples.map((x) => x.unacked))).toBe(2);
  expect(samples.some((x) => x.unacked === 2 && x.ready > 0)).toBe(true);
  expect(Object.values(await outcomes(url, ids)).filter((o) => o.state !== 'SUCCESS')).toEqual([]);
  await ts.stop();
}, 180_000);

async function doneCount(ids: string[]): Promise<number> {
  return probe.results.exists(...ids.map((id) => `celery-task-meta-${id}`));
}

it('an ETA Python sends through a direct exchange (no native delay) is postponed by celeriac through the levels, not held unacked, and runs after its ETA', async () => {
  const url = await vhost('postpone');
  const queue = 'classic.postpone';
  const queues = { [queue]: { exchange: queue, exchange_type: 'direct', routing_key: queue } };
  const ts = await startCeleriacWorker({ brokerUrl: url, backendUrl: redis.url(2), queues: [queue], concurrency: 1,
    nodeName: 'ts-postpone@%h', env: tsEnv(queues, { CELERY_BROKER_TRANSPORT_OPTIONS: '{"eta_max_hold_sec": 2}' }) });
  workers.push(ts);
  const { ids, sent_at: sentAt } = await send(url, queues, [{ name: 'tapp.fleet', args: [0, 0], queue, countdown: 14 }]);
  // Delivered at once (Python cannot delay through a direct exchange), then re-published: 13 = 8 + 4 + 1.
  await pollBroker(async () => (await delayedLevelMessages(rabbit, 'postpone')).size > 0, 'the postponed copy in a level queue', 20_000);
  // The original was acked once the copy was confirmed: celeriac holds nothing unacked meanwhile.
  expect((await listQueues(rabbit, 'postpone')).get(queue)).toMatchObject({ ready: 0, unacked: 0 });
  const [id] = ids as [string];
  expect((await outcomes(url, ids))[id]).toMatchObject({ state: 'SUCCESS' });
  expect(await ranBy(id)).toEqual([expect.stringMatching(/^ts:/)]);
  expect(await doneAt(id)).toBeGreaterThanOrEqual(sentAt * 1000 + 14_000);
  await ts.stop();
}, 120_000);
