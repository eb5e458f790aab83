// celeriac dlq list/requeue/purge over the in-memory transport.
import type { Route } from '../../../src/protocol/kombu-message';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import type { Delivery } from '../../../src/transport/transport';
import { runDlqCommand, takeMessages } from '../../../src/cli/dlq-command';
import { buildDeadLetterMessage } from '../../../src/worker/dead-letter';
import { wireTask } from '../../helpers/task-wire';

const DLQ: Route = { exchange: '', routingKey: 'app.dlq' };

async function seeded(n: number): Promise<MemoryTransport> {
  const transport = new MemoryTransport();
  for (let i = 0; i < n; i++) {
    const msg = wireTask('t.fail', [i], { id: `id-${i}`, retries: 3 });
    await transport.publish(buildDeadLetterMessage(msg, { reason: 'retries-exhausted', error: new RangeError(`bad ${i}`), queue: 'work',
      failedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) }), DLQ);
  }
  return transport;
}

async function run(transport: MemoryTransport, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDlqCommand(argv, {}, { createTransport: () => transport, stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

async function drain(transport: MemoryTransport, queue: string, n: number): Promise<Delivery[]> {
  const got: Delivery[] = [];
  await new Promise<void>((resolve) => { void transport.consume([queue], 0, (d) => { got.push(d); if (got.length === n) resolve(); }); });
  return got;
}

describe('celeriac dlq', () => {
  it('list shows the reason of an element the transport refused unread (kept byte for byte in the poison queue)', async () => {
    const transport = new MemoryTransport();
    await transport.publish({ body: Buffer.from('{"headers": {"id": "abc-1"'), contentType: 'application/x-celeriac-undecodable', contentEncoding: 'utf-8',
      headers: { id: 'abc-1', task: 't.x' }, properties: {} }, { exchange: '', routingKey: 'celeriac.poison' });
    // As RedisTransport delivers such an element: its refusal on the delivery, not in headers.
    const consume = transport.consume.bind(transport);
    transport.consume = (queues, prefetch, onDelivery) => consume(queues, prefetch, (d) => onDelivery(Object.assign(Object.create(d) as Delivery,
      { refusal: { code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', reason: 'envelope is not JSON', keptIn: 'celeriac.poison' } })));
    const { code, out } = await run(transport, ['list', 'celeriac.poison']);
    expect(code).toBe(0);
    expect(out.trim()).toBe('abc-1  t.x  queue=?  reason=CELERIAC_PROTOCOL_BAD_ENVELOPE  failed-at=?  envelope is not JSON');
  });

  it('list shows id, task, original queue, reason, failed-at and exception, and leaves every message in place', async () => {
    const t = await seeded(3);
    const { code, out } = await run(t, ['list', 'app.dlq']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual([0, 1, 2].map((i) =>
      `id-${i}  t.fail  queue=work  reason=retries-exhausted  failed-at=2026-01-01T00:00:0${i}.000Z  RangeError('bad ${i}')`));
    expect(await t.queueLength('app.dlq')).toBe(3);
    expect(t.unsettledCount()).toBe(0);
  });

  it('list --limit --json prints entries as JSON', async () => {
    const t = await seeded(3);
    const { out } = await run(t, ['list', 'app.dlq', '--limit', '2', '--json']);
    const entries = JSON.parse(out) as Array<{ id: string; originalQueue: string }>;
    expect(entries.map((e) => [e.id, e.originalQueue])).toEqual([['id-0', 'work'], ['id-1', 'work']]);
    expect(await t.queueLength('app.dlq')).toBe(3);
    expect((await run(t, ['list', 'empty.dlq'])).out).toBe('empty.dlq: empty\n');
  });

  it('requeue --id moves one message back to its original queue with retries 0 and no dlq headers', async () => {
    const t = await seeded(3);
    const { code, out } = await run(t, ['requeue', 'app.dlq', '--id', 'id-1']);
    expect([code, out]).toEqual([0, 'requeued 1 message(s) from app.dlq\n']);
    expect(await t.queueLength('app.dlq')).toBe(2);
    const [back] = await drain(t, 'work', 1);
    expect(back?.message.headers.id).toBe('id-1');
    expect(back?.message.headers.retries).toBe(0);
    expect(Object.keys(back?.message.headers ?? {}).filter((k) => k.startsWith('x-celeriac'))).toEqual([]);
  });

  it('requeue --all and purge --all empty the queue; purge --id of an unknown id exits 1 and names it', async () => {
    const t = await seeded(4);
    expect((await run(t, ['purge', 'app.dlq', '--id', 'id-0', '--id', 'nope'])).code).toBe(1);
    expect(await t.queueLength('app.dlq')).toBe(3);
    expect((await run(t, ['purge', 'app.dlq', '--id', 'nope'])).err).toBe('not found in app.dlq: nope\n');
    expect((await run(t, ['requeue', 'app.dlq', '--all'])).out).toBe('requeued 3 message(s) from app.dlq\n');
    expect(await t.queueLength('work')).toBe(3);
    expect(await t.queueLength('app.dlq')).toBe(0);
    await run(t, ['purge', 'work', '--all']);
    expect(await t.queueLength('work')).toBe(0);
  });

  it('refuses bad usage with CELERIAC_CLI_USAGE', async () => {
    const t = new MemoryTransport();
    await expect(run(t, ['requeue', 'app.dlq'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
    await expect(run(t, ['drop', 'app.dlq'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
    await expect(run(t, ['list'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
    await expect(run(t, ['purge', 'q', '--all', '--id', 'x'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
  });

  it('takeMessages takes at most the messages present and gives back what is not settled at close', async () => {
    const t = await seeded(2);
    const taken = await takeMessages(t, 'app.dlq', 5, 1000);
    expect(taken).toHaveLength(2);
    await t.close();
    expect(await t.queueLength('app.dlq')).toBe(2);
  });
});
