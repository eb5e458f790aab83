// celeriac call over the in-memory transport: what it publishes, what it prints, what it refuses.
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import type { Delivery } from '../../../src/transport/transport';
import { parseCallFlags, runCallCommand } from '../../../src/cli/call-command';
import { CeleriacError } from '../../../src/errors/celeriac-error';

async function call(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ transport: MemoryTransport; code: number; out: string }> {
  const transport = new MemoryTransport();
  let out = '';
  const code = await runCallCommand(argv, env, { createTransport: () => transport, stdout: (t) => { out += t; } });
  return { transport, code, out };
}

async function takeOne(transport: MemoryTransport, queue: string): Promise<Delivery> {
  return new Promise((resolve) => { void transport.consume([queue], 1, resolve); });
}

function usageError(argv: string[]): string {
  try {
    parseCallFlags(argv);
  } catch (err) {
    if (err instanceof CeleriacError && err.code === 'CELERIAC_CLI_USAGE') return err.message;
    throw err;
  }
  throw new Error(`parseCallFlags(${argv.join(' ')}) accepted`);
}

describe('celeriac call', () => {
  it('publishes NAME with --args/--kwargs to --queue and prints only the task id', async () => {
    const { transport, code, out } = await call(['tasks.add', '--args', '[2, 3]', '--kwargs', '{"z": {"k": [1]}}', '--queue', 'math']);
    expect(code).toBe(0);
    expect(out).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(await transport.queueLength('celery')).toBe(0);
    const d = await takeOne(transport, 'math');
    const task = decodeTaskMessage(d.message, { accept: ['json'], maxBodyBytes: 1 << 20 });
    expect(task).toMatchObject({ id: out.trim(), task: 'tasks.add', args: [2, 3], kwargs: { z: { k: [1] } }, eta: null });
  });

  it('--countdown and --eta set the eta; the default queue comes from task_default_queue', async () => {
    const before = Date.now();
    const counted = await call(['tasks.later', '--countdown', '30'], { CELERY_TASK_DEFAULT_QUEUE: 'jobs' });
    const a = decodeTaskMessage((await takeOne(counted.transport, 'jobs')).message, { accept: ['json'], maxBodyBytes: 1 << 20 });
    expect(a.eta?.getTime()).toBeGreaterThanOrEqual(before + 30_000 - 1);
    expect(a.eta?.getTime()).toBeLessThan(Date.now() + 30_000 + 1);
    const at = await call(['tasks.later', '-a', '[]', '--eta', '2031-02-03T04:05:06Z']);
    const b = decodeTaskMessage((await takeOne(at.transport, 'celery')).message, { accept: ['json'], maxBodyBytes: 1 << 20 });
    expect(b.eta?.toISOString()).toBe('2031-02-03T04:05:06.000Z');
  });

  it('refuses bad input before connecting, naming the flag', () => {
    expect(usageError([])).toMatch(/call needs a task name/);
    expect(usageError(['t', 'extra'])).toMatch(/unexpected argument "extra"/);
    expect(usageError(['t', '--args', '{"a":1}'])).toMatch(/--args must be a JSON array/);
    expect(usageError(['t', '--args', '[1,'])).toMatch(/--args is not valid JSON/);
    expect(usageError(['t', '--kwargs', '[1]'])).toMatch(/--kwargs must be a JSON object/);
    expect(usageError(['t', '--countdown', 'soon'])).toMatch(/--countdown must be a number of seconds/);
    expect(usageError(['t', '--eta', '2031-02-03 04:05'])).toMatch(/--eta must be an ISO-8601 instant with a zone/);
    expect(usageError(['t', '--countdown', '1', '--eta', '2031-02-03T04:05:06Z'])).toMatch(/exclude each other/);
    expect(() => parseCallFlags(['t', '--frobnicate'])).toThrow(/frobnicate/);
  });
});
