import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { queueSettingsShape } from '../../../../src/config/queue-settings-schema';
import { z } from 'zod';
import { AmqpQueueTable, type QueueTableSettings } from '../../../../src/transport/amqp/amqp-queue-table';

// Python Celery 5.6.2's app.amqp.queues for each config (run by this test through the capture
// script), against AmqpQueueTable built from the same settings as celeriac parses them.
const REPO = join(__dirname, '../../../..');
const CAPTURE = join(__dirname, 'fixtures/kombu_delayed_capture.py');

type Entry = { exchange: string; exchange_type: string; routing_key: string; arguments: Record<string, unknown> };

const configs: Array<Record<string, unknown>> = [
  {},
  { task_default_queue_type: 'quorum' },
  { task_default_queue_type: 'quorum', task_default_exchange_type: 'topic' },
  { task_default_queue: 'jobs', task_default_queue_type: 'quorum', task_default_exchange: 'jobs-x', task_default_routing_key: 'jobs.rk' },
  { task_queues: [{ name: 'my-queue', queue_arguments: { 'x-queue-type': 'quorum' } }] },
  { task_queues: [{ name: 'qt', exchange: 'qt', exchange_type: 'topic', routing_key: 'qt', queue_arguments: { 'x-queue-type': 'quorum' } },
    { name: 'plain', exchange: 'px' }] },
  { task_queues: { a: {}, b: { exchange: 'bx' }, c: { exchange_type: 'topic' }, d: { exchange: 'dx', exchange_type: 'topic', binding_key: 'd.k' },
    e: { queue_arguments: { 'x-queue-type': 'quorum' } } } },
  { task_queues: { a: {} }, task_default_exchange_type: 'topic', task_default_exchange: 'tasks', task_default_routing_key: 'rk' },
  { task_create_missing_queue_type: 'quorum', task_create_missing_queue_exchange_type: 'topic', task_queue_max_priority: 5 },
  { task_queues: { p: { queue_arguments: { 'x-max-priority': 3 } }, r: {} }, task_queue_max_priority: 9 },
];

let python: Array<Record<string, Entry>>;
beforeAll(() => {
  const run = spawnSync(join(process.env.CELERIAC_VENV ?? join(REPO, '.venv'), 'bin/python'), [CAPTURE],
    { input: JSON.stringify({ configs }), encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`capture failed (${run.status}): ${run.stderr || String(run.error)}`);
  python = (JSON.parse(run.stdout) as { tables: Array<Record<string, Entry>> }).tables;
});

const settingsSchema = z.object(queueSettingsShape);

describe('AmqpQueueTable', () => {
  it.each(configs.map((c, i) => [i, JSON.stringify(c)] as const))('config %i (%s) declares every queue as Python Celery does', (i) => {
    const { task_queue_max_priority: maxPriority, task_default_queue: defaultQueue, ...rest } = configs[i] as Record<string, unknown>;
    const settings: QueueTableSettings = { ...settingsSchema.parse(rest), ...(defaultQueue ? { task_default_queue: defaultQueue as string } : {}) };
    const table = new AmqpQueueTable(settings, maxPriority as number | undefined);
    const theirs = python[i] as Record<string, Entry>;
    for (const [name, q] of Object.entries(theirs)) {
      expect(table.lookup(name)).toEqual({ name, exchange: q.exchange, exchangeType: q.exchange_type, routingKey: q.routing_key, arguments: q.arguments });
      expect(table.exchangeType(q.exchange)).toBe(q.exchange_type);
    }
    // Celery's detect_quorum_queues over the same table (the missing queue included).
    expect(table.quorumDetected).toBe(Object.values(theirs).some((q) => q.arguments['x-queue-type'] === 'quorum'));
  });

  it('reads task_queues as JSON text (an environment variable) and refuses a bad queue type', () => {
    const parsed = settingsSchema.parse({ task_queues: '{"q": {"queue_arguments": {"x-queue-type": "quorum"}}}' });
    expect(new AmqpQueueTable(parsed).lookup('q').arguments).toEqual({ 'x-queue-type': 'quorum' });
    expect(settingsSchema.safeParse({ task_default_queue_type: 'stream' }).success).toBe(false);
    expect(settingsSchema.safeParse({ task_queues: '[{"exchange": "x"}]' }).success).toBe(false); // list entries need a name
  });
});
