import { AsyncResult } from '../../../src/producer/async-result';
import type { ResultBackend } from '../../../src/backend/result-backend';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import { BackendError } from '../../../src/errors/celeriac-error';

/** A ResultBackend over an in-memory map whose waits resolve from it (a test double, no broker involved). */
function mapBackend(metas: Record<string, ResultMeta>): ResultBackend {
  return {
    connect: async () => undefined, close: async () => undefined, storeResult: async () => true,
    getTaskMeta: async (id) => metas[id] ?? null,
    waitForResult: async (id, timeoutMs) => {
      const meta = metas[id];
      if (meta) return meta;
      throw new BackendError('CELERIAC_BACKEND_TIMEOUT', `timed out after ${timeoutMs} ms`);
    },
    forget: async (id) => { delete metas[id]; },
  };
}

const meta = (taskId: string, status: string, result: unknown): ResultMeta => ({ taskId, status, result, traceback: null, children: [], dateDone: null });

describe('AsyncResult', () => {
  const backend = mapBackend({
    ok: meta('ok', 'SUCCESS', { n: 5 }),
    bad: meta('bad', 'FAILURE', { excType: 'KeyError', excMessage: ['missing 7'], excModule: 'builtins' }),
    gone: meta('gone', 'REVOKED', { excType: 'TaskRevokedError', excMessage: ['revoked'], excModule: 'celery.exceptions' }),
    prog: meta('prog', 'PROGRESS', { current: 1 }),
  });

  it('get() returns the result; state/info/ready/successful read the meta', async () => {
    const r = new AsyncResult('ok', backend);
    await expect(r.get({ timeoutMs: 100 })).resolves.toEqual({ n: 5 });
    await expect(r.state()).resolves.toBe('SUCCESS');
    await expect(r.ready()).resolves.toBe(true);
    await expect(r.successful()).resolves.toBe(true);
    await expect(new AsyncResult('prog', backend).info()).resolves.toEqual({ current: 1 });
    await expect(new AsyncResult('prog', backend).ready()).resolves.toBe(false);
    await expect(new AsyncResult('nope', backend).state()).resolves.toBe('PENDING');
    await expect(new AsyncResult('nope', backend).info()).resolves.toBeNull();
  });

  it('get() rejects with an Error named as the stored exc_type (FAILURE and REVOKED), or returns it without propagate', async () => {
    await expect(new AsyncResult('bad', backend).get()).rejects.toMatchObject({ name: 'KeyError', message: 'missing 7', pythonModule: 'builtins' });
    await expect(new AsyncResult('gone', backend).get()).rejects.toMatchObject({ name: 'TaskRevokedError', message: 'revoked' });
    const returned = await new AsyncResult('bad', backend).get({ propagate: false });
    expect(returned).toBeInstanceOf(Error);
    expect((returned as Error).name).toBe('KeyError');
  });

  it('forget() deletes; without a backend every read says so', async () => {
    await new AsyncResult('ok', backend).forget();
    await expect(new AsyncResult('ok', backend).state()).resolves.toBe('PENDING');
    await expect(new AsyncResult('x', null).get()).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_DISABLED' });
  });
});
