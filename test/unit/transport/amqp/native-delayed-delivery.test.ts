import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  DELAYED_DELIVERY_EXCHANGE, buildDelayedDeliveryTopology, buildDelayedTargetBindings, calculateDelayedRoutingKey, delayedRoutingKeyFor,
} from '../../../../src/transport/amqp/native-delayed-delivery';

// kombu 5.6.2 itself (the venv's), run by this test: calculate_routing_key and the channel calls of
// declare_native_delayed_delivery_exchanges_and_queues / bind_queue_to_native_delayed_delivery_exchange.
const REPO = join(__dirname, '../../../..');
const CAPTURE = join(__dirname, 'fixtures/kombu_delayed_capture.py');

interface Capture {
  routing_keys: Array<string | { error: string }>;
  topology: Record<string, unknown[][]>;
  tables: Array<Record<string, { exchange: string; exchange_type: string; routing_key: string; bindings: unknown[][] }>>;
}

function runKombu(request: unknown): Capture {
  const run = spawnSync(join(process.env.CELERIAC_VENV ?? join(REPO, '.venv'), 'bin/python'), [CAPTURE],
    { input: JSON.stringify(request), encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`kombu capture failed (${run.status}): ${run.stderr || String(run.error)}`);
  return JSON.parse(run.stdout) as Capture;
}

// Every single bit, its neighbours, the largest 28-bit value, a few random ones and the values
// that overflow 28 bits; routing keys with dots and of one word.
const countdowns = [1, 2, 3, 7, 10, 59, 60, 61, 3599, 3600, 86_400, 999_999, 2 ** 28 - 2, 2 ** 28 - 1, 2 ** 28, 2 ** 30 + 5];
for (let bit = 0; bit < 28; bit++) countdowns.push(2 ** bit, 2 ** bit + 1, Math.max(1, 2 ** bit - 1));
let seed = 12345;
for (let i = 0; i < 40; i++) { seed = (seed * 1103515245 + 12345) % 2 ** 31; countdowns.push(1 + (seed % (2 ** 28 - 1))); }
const keys = ['celery', 'a.b.c', 'q-1', '#.celery'];
const pairs = countdowns.flatMap((c) => keys.map((k) => [c, k] as [number, string]));

let kombu: Capture;
beforeAll(() => {
  kombu = runKombu({
    routing_keys: [...pairs, [0, 'q'], [-5, 'q']],
    queue_types: ['quorum', 'classic'],
    configs: [{ task_queues: [
      { name: 'qt', exchange: 'qt', exchange_type: 'topic', routing_key: 'qt', queue_arguments: { 'x-queue-type': 'quorum' } },
      { name: 'qf', exchange: 'fan', exchange_type: 'fanout', routing_key: 'qf.key', queue_arguments: { 'x-queue-type': 'quorum' } },
      { name: 'qh', exchange: 'qh', exchange_type: 'topic', routing_key: '#.qh' },
      { name: 'qd', exchange: 'qd', exchange_type: 'direct', routing_key: 'qd' },
    ] }],
  });
});

describe('calculateDelayedRoutingKey', () => {
  it(`equals kombu's calculate_routing_key for ${pairs.length} countdown/routing-key pairs`, () => {
    const ours = pairs.map(([c, k]) => calculateDelayedRoutingKey(c, k));
    expect(ours).toEqual(kombu.routing_keys.slice(0, pairs.length));
  });

  it('refuses what kombu refuses (countdown below 1, empty routing key) with CELERIAC_TRANSPORT_BAD_DELAY', () => {
    expect(kombu.routing_keys.slice(pairs.length)).toEqual([{ error: 'countdown must be a positive number' }, { error: 'countdown must be a positive number' }]);
    for (const bad of [0, -5, 1.5, Number.NaN]) expect(() => calculateDelayedRoutingKey(bad, 'q')).toThrow(expect.objectContaining({ code: 'CELERIAC_TRANSPORT_BAD_DELAY' }));
    expect(() => calculateDelayedRoutingKey(5, '')).toThrow(expect.objectContaining({ code: 'CELERIAC_TRANSPORT_BAD_DELAY' }));
  });

  it('caps a countdown past 28 bits when celeriac routes to a target (it would match no level)', () => {
    const key = delayedRoutingKeyFor({ queue: 'q', exchange: 'q', exchangeType: 'topic', routingKey: 'q' }, 2 ** 29);
    expect(key).toBe(`${Array(28).fill('1').join('.')}.q`);
  });
});

/** Our topology as the channel calls kombu makes (same vocabulary as the capture script). */
function callsOf(queueType: 'quorum' | 'classic'): string[] {
  const t = buildDelayedDeliveryTopology(queueType);
  return [
    ...t.exchanges.map((e) => JSON.stringify(['exchange_declare', e, 'topic', true, false, {}])),
    ...t.queues.map((q) => JSON.stringify(['queue_declare', q.name, true, false, false, q.arguments])),
    ...t.bindings.map((b) => JSON.stringify([b.toExchange ? 'exchange_bind' : 'queue_bind', b.destination, b.source, b.pattern])),
  ];
}

/** JSON with keys sorted, so argument tables compare whatever their order. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sort(x)])) : v);
  return JSON.stringify(sort(value));
}

describe('buildDelayedDeliveryTopology', () => {
  it.each(['quorum', 'classic'] as const)('declares and binds exactly what kombu does for %s level queues', (queueType) => {
    const theirs = (kombu.topology[queueType] ?? []).map(canonical).sort();
    const ours = callsOf(queueType).map((c) => canonical(JSON.parse(c))).sort();
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(28 * 3 + 1 + 27 + 1); // levels (exchange, queue, binding), delivery exchange, level links, last link
  });
});

describe('buildDelayedTargetBindings', () => {
  const table = (): Capture['tables'][number] => kombu.tables[0] as Capture['tables'][number];
  const ours = (name: string): unknown[][] => {
    const q = table()[name];
    if (!q) throw new Error(`no queue ${name} in kombu's table`);
    return buildDelayedTargetBindings({ queue: name, exchange: q.exchange, exchangeType: q.exchange_type, routingKey: q.routing_key })
      .map((b) => [b.toExchange ? 'exchange_bind' : 'queue_bind', b.destination, b.source, b.pattern]);
  };

  it('binds a topic or fanout queue as bind_queue_to_native_delayed_delivery_exchange does (#.key, or the key starting with #)', () => {
    for (const name of ['qt', 'qf', 'qh']) expect(ours(name)).toEqual(table()[name]?.bindings);
  });

  it('binds a direct queue to the delivery exchange itself, where kombu binds nothing', () => {
    expect(table().qd?.bindings).toEqual([]);
    expect(ours('qd')).toEqual([['queue_bind', 'qd', DELAYED_DELIVERY_EXCHANGE, '#.qd']]);
  });
});
