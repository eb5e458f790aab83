// celeriac result over the in-memory result backend.
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import type { ResultBackend } from '../../../src/backend/result-backend';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import { runResultCommand } from '../../../src/cli/result-command';

const DONE = new Date(Date.UTC(2026, 0, 1));

function meta(taskId: string, status: string, result: unknown, traceback: string | null = null): ResultMeta {
  return { taskId, status, result, traceback, children: [], dateDone: DONE };
}

/** Each run gets its own handle on one store (the command closes its backend; the store stays readable). */
let closes = 0;
function handleOn(store: MemoryResultBackend): ResultBackend {
  return {
    connect: () => store.connect(), storeResult: (m, o) => store.storeResult(m, o), getTaskMeta: (id) => store.getTaskMeta(id),
    waitForResult: (id, ms) => store.waitForResult(id, ms), forget: (id) => store.forget(id), close: async () => { closes++; },
  };
}

async function run(backend: MemoryResultBackend, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runResultCommand(argv, {}, { createBackend: () => handleOn(backend), stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

describe('celeriac result', () => {
  it('prints a SUCCESS result as JSON and exits 0', async () => {
    const backend = new MemoryResultBackend();
    await backend.storeResult(meta('ok-1', 'SUCCESS', { total: 5, items: ['a', 'é'] }));
    const before = closes;
    expect(await run(backend, ['ok-1'])).toEqual({ code: 0, out: '{"total":5,"items":["a","é"]}\n', err: '' });
    expect(closes).toBe(before + 1);
  });

  it('waits for a result stored later', async () => {
    const backend = new MemoryResultBackend();
    const pending = run(backend, ['later-1', '--timeout', '5']);
    await backend.storeResult(meta('later-1', 'SUCCESS', 42));
    expect(await pending).toMatchObject({ code: 0, out: '42\n' });
  });

  it('a FAILURE prints the exception on stderr and exits 1; --traceback prints the stored traceback and exits 0', async () => {
    const backend = new MemoryResultBackend();
    const tb = 'Traceback (most recent call last):\n  File "tasks.py", line 3, in add\nTypeError: can only concatenate str\n';
    await backend.storeResult(meta('bad-1', 'FAILURE', { excType: 'TypeError', excMessage: ['can only concatenate str'], excModule: 'builtins' }, tb));
    expect(await run(backend, ['bad-1'])).toEqual({ code: 1, out: '', err: 'task bad-1 failure: TypeError: can only concatenate str\n' });
    expect(await run(backend, ['bad-1', '--traceback'])).toEqual({ code: 0, out: tb, err: '' });
  });

  it('--traceback on a task without one says so on stderr; a timeout is an error', async () => {
    const backend = new MemoryResultBackend();
    await backend.storeResult(meta('ok-2', 'SUCCESS', 1));
    expect(await run(backend, ['ok-2', '--traceback'])).toEqual({ code: 0, out: '', err: 'no traceback stored for task ok-2 (state SUCCESS)\n' });
    const before = closes;
    await expect(run(backend, ['never', '--timeout', '0.05'])).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_TIMEOUT' });
    expect(closes).toBe(before + 1);
    await expect(run(backend, [])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
    await expect(run(backend, ['x', '--timeout=-1'])).rejects.toMatchObject({ code: 'CELERIAC_CLI_USAGE' });
  });
});
