// celeriac purge over the in-memory transport: confirmation as Celery asks it, -f, no terminal.
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { runPurgeCommand, type PurgeCommandIo } from '../../../src/cli/purge-command';
import { textMessage } from '../../contract/transport-contract';

async function seeded(counts: Record<string, number>): Promise<MemoryTransport> {
  const transport = new MemoryTransport();
  for (const [queue, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) await transport.publish(textMessage(`${queue}-${i}`, i % 10), { exchange: '', routingKey: queue });
  }
  return transport;
}

async function run(transport: MemoryTransport, argv: string[], io: PurgeCommandIo = {}): Promise<{ code: number; out: string; asked: string[] }> {
  let out = '';
  const asked: string[] = [];
  const code = await runPurgeCommand(argv, {}, {
    createTransport: () => transport, stdout: (t) => { out += t; }, isInteractive: false,
    ...io, ...(io.ask ? { ask: (q: string) => { asked.push(q); return io.ask?.(q) ?? Promise.resolve(''); } } : {}),
  });
  return { code, out, asked };
}

describe('celeriac purge', () => {
  it('-f purges the -Q queues at every priority without asking and reports as Celery does', async () => {
    const t = await seeded({ a: 3, b: 12, keep: 2 });
    const r = await run(t, ['-Q', 'a,b', '-f']);
    expect(r).toEqual({ code: 0, out: 'Purged 15 messages from 2 known task queues.\n', asked: [] });
    expect([await t.queueLength('a'), await t.queueLength('b'), await t.queueLength('keep')]).toEqual([0, 0, 2]);
    expect((await run(t, ['-Q', 'a', '-f'])).out).toBe('No messages purged from 1 queue.\n');
  });

  it('asks on a terminal; "yes" purges, anything else aborts with exit 1 and purges nothing', async () => {
    const t = await seeded({ celery: 1 });
    const no = await run(t, [], { isInteractive: true, ask: async () => '' });
    expect(no.code).toBe(1);
    expect(no.out).toBe('WARNING: This will remove all tasks from queue: celery.\n         There is no undo for this operation!\n\n'
      + '(to skip this prompt use the -f option)\n\nAborted!\n');
    expect(no.asked).toEqual(['Are you sure you want to delete all tasks (yes/NO)? ']);
    expect(await t.queueLength('celery')).toBe(1);
    const yes = await run(t, [], { isInteractive: true, ask: async () => ' YES\n' });
    expect(yes.code).toBe(0);
    expect(yes.out).toMatch(/Purged 1 message from 1 known task queue\.\n$/);
    expect(await t.queueLength('celery')).toBe(0);
  });

  it('without a terminal and without -f refuses in one line and purges nothing', async () => {
    const t = await seeded({ a: 2, b: 1 });
    const refused = run(t, ['-Q', 'b,a']);
    await expect(refused).rejects.toMatchObject({ code: 'CELERIAC_CLI_PURGE_UNCONFIRMED' });
    await expect(refused).rejects.toThrow(
      /^purge would remove all tasks from queues: a, b, and there is no terminal to confirm it: pass -f to purge without asking$/);
    expect(await t.queueLength('a')).toBe(2);
    await expect(run(t, ['-Q', ',', '-f'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
    await expect(run(t, ['extra', '-f'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
  });
});
