import type { ResultBackend } from '../../src/backend/result-backend';
import type { ResultMeta } from '../../src/protocol/result-meta';

/** One backend under test plus the probes the contract needs that the interface does not offer. */
export interface ResultBackendFixture {
  backend: ResultBackend;
  /** Seconds until the task's stored meta expires; null = never; undefined = nothing stored. */
  ttlSec(taskId: string): Promise<number | null | undefined>;
  /** Closes the backend and anything else the fixture opened. */
  close(): Promise<void>;
}

/** Options the contract creates backends with. */
export interface ResultBackendFixtureOptions {
  /** Default expiry; undefined = the backend's default (86400). */
  resultExpiresSec?: number | null;
}

let counter = 0;
/** A task id unique within the test run. */
export function newTaskId(): string {
  counter += 1;
  return `contract-${process.pid}-${Date.now()}-${counter}`;
}

/** A meta with sensible defaults for `status`. */
export function buildMeta(taskId: string, status: string, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
  return {
    taskId, status, result, traceback: null, children: [],
    dateDone: ready ? new Date('2026-11-21T04:22:04.333Z') : null, ...extra,
  };
}

/** What kind of backend is under test. */
export interface ResultBackendContractKind {
  /**
   * False for a backend that stores nothing and streams states to the client instead (rpc://): the
   * tests of storage (every field kept, SUCCESS never overwritten, read right after write, forget,
   * expiry) do not apply to it and are skipped; waiting, timeouts, fan-out and close still do.
   */
  stores: boolean;
}

/**
 * The ResultBackend contract: every implementation (Redis, in-memory, rpc) must pass it unchanged.
 * `factory` returns a fresh, connected fixture; the suite closes it.
 */
export function describeResultBackendContract(name: string, factory: (options?: ResultBackendFixtureOptions) => Promise<ResultBackendFixture>,
  kind: ResultBackendContractKind = { stores: true }): void {
  /** A test of storage: skipped (visibly) for a backend that stores nothing. */
  const itStores = kind.stores ? it : it.skip;
  /** What a wait returns for `m`: all of it, or for a stream just what Celery's rpc reply carries (no date_done, ids or extended fields). */
  const delivered = (m: ResultMeta): ResultMeta => (kind.stores ? m
    : { taskId: m.taskId, status: m.status, result: m.result, traceback: m.traceback, children: m.children, dateDone: null });
  describe(`ResultBackend contract: ${name}`, () => {
    let fx: ResultBackendFixture;
    beforeEach(async () => { fx = await factory(); });
    afterEach(async () => { await fx.close(); });

    itStores('round-trips every meta field and reports nothing stored as null', async () => {
      const id = newTaskId();
      expect(await fx.backend.getTaskMeta(id)).toBeNull();
      const meta = buildMeta(id, 'SUCCESS', { n: 5, s: 'caf\u00e9 \u{1F600}', list: [1, null, true] }, {
        children: [[['child-1', null], null]], groupId: 'g-1', parentId: 'p-1',
        extended: { name: 'tapp.add', args: [2, 3], kwargs: { x: 1 }, worker: 'celeriac@host', retries: 0, queue: 'celery' },
      });
      expect(await fx.backend.storeResult(meta)).toBe(true);
      expect(await fx.backend.getTaskMeta(id)).toEqual(meta);
    });

    itStores('never overwrites a stored SUCCESS (returns false, keeps the value)', async () => {
      const id = newTaskId();
      expect(await fx.backend.storeResult(buildMeta(id, 'SUCCESS', 1))).toBe(true);
      expect(await fx.backend.storeResult(buildMeta(id, 'FAILURE', { excType: 'ValueError', excMessage: ['late'], excModule: 'builtins' }))).toBe(false);
      expect(await fx.backend.storeResult(buildMeta(id, 'SUCCESS', 2))).toBe(false);
      expect(await fx.backend.storeResult(buildMeta(id, 'STARTED', { pid: 1, hostname: 'h' }))).toBe(false);
      expect(await fx.backend.getTaskMeta(id)).toMatchObject({ status: 'SUCCESS', result: 1 });
    });

    itStores('lets exactly one of many concurrent SUCCESS writes win', async () => {
      const id = newTaskId();
      const writes = Array.from({ length: 25 }, (_, i) => fx.backend.storeResult(buildMeta(id, 'SUCCESS', i)));
      const outcomes = await Promise.all(writes);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = outcomes.indexOf(true);
      expect((await fx.backend.getTaskMeta(id))?.result).toBe(winner);
    });

    itStores('replaces non-SUCCESS states: STARTED, custom PROGRESS, FAILURE, then SUCCESS', async () => {
      const id = newTaskId();
      const exc = { excType: 'ValueError', excMessage: ['boom'], excModule: 'builtins' };
      for (const meta of [
        buildMeta(id, 'STARTED', { pid: 42, hostname: 'celeriac@h' }),
        buildMeta(id, 'PROGRESS', { current: 1, total: 2 }),
        buildMeta(id, 'FAILURE', exc, { traceback: 'Traceback (most recent call last):\nValueError: boom\n' }),
        buildMeta(id, 'SUCCESS', 'done'),
      ]) {
        expect(await fx.backend.storeResult(meta)).toBe(true);
        expect(await fx.backend.getTaskMeta(id)).toEqual(meta);
      }
    });

    it('resolves a wait started after the result was stored', async () => {
      const id = newTaskId();
      const meta = buildMeta(id, 'REVOKED', { excType: 'TaskRevokedError', excMessage: ['revoked'], excModule: 'celery.exceptions' }, { children: null });
      await fx.backend.storeResult(meta);
      await expect(fx.backend.waitForResult(id, 5000)).resolves.toEqual(delivered(meta));
    });

    it('resolves a wait started before the result, on the first ready state only', async () => {
      const id = newTaskId();
      const waiting = fx.backend.waitForResult(id, 5000);
      await fx.backend.storeResult(buildMeta(id, 'STARTED', { pid: 1, hostname: 'h' }));
      await fx.backend.storeResult(buildMeta(id, 'PROGRESS', { current: 1, total: 3 }));
      const done = buildMeta(id, 'FAILURE', { excType: 'KeyError', excMessage: ['missing 7'], excModule: 'builtins' });
      await fx.backend.storeResult(done);
      await expect(waiting).resolves.toEqual(delivered(done));
    });

    it('rejects a wait with CELERIAC_BACKEND_TIMEOUT when no ready state arrives', async () => {
      const id = newTaskId();
      const waiting = fx.backend.waitForResult(id, 150);
      await fx.backend.storeResult(buildMeta(id, 'PROGRESS', { current: 1 }));
      await expect(waiting).rejects.toMatchObject({ name: 'BackendError', code: 'CELERIAC_BACKEND_TIMEOUT' });
      // A later wait still works after the timed-out one left.
      const again = fx.backend.waitForResult(id, 5000);
      await fx.backend.storeResult(buildMeta(id, 'SUCCESS', 3));
      await expect(again).resolves.toMatchObject({ status: 'SUCCESS', result: 3 });
    });

    it('serves many concurrent waiters on the same and on different tasks', async () => {
      const a = newTaskId();
      const b = newTaskId();
      const onA = Array.from({ length: 10 }, () => fx.backend.waitForResult(a, 5000));
      const onB = Array.from({ length: 5 }, () => fx.backend.waitForResult(b, 5000));
      await Promise.all([fx.backend.storeResult(buildMeta(b, 'SUCCESS', 'b')), fx.backend.storeResult(buildMeta(a, 'SUCCESS', 'a'))]);
      for (const meta of await Promise.all(onA)) expect(meta).toMatchObject({ taskId: a, result: 'a' });
      for (const meta of await Promise.all(onB)) expect(meta).toMatchObject({ taskId: b, result: 'b' });
    });

    itStores('forgets a stored result, and forgetting nothing is fine', async () => {
      const id = newTaskId();
      await fx.backend.storeResult(buildMeta(id, 'SUCCESS', 1));
      await fx.backend.forget(id);
      expect(await fx.backend.getTaskMeta(id)).toBeNull();
      await fx.backend.forget(id);
      expect(await fx.backend.storeResult(buildMeta(id, 'SUCCESS', 2))).toBe(true);
    });

    itStores('honours expiry: the default of one day, a per-write value, and never', async () => {
      const [d, short, never] = [newTaskId(), newTaskId(), newTaskId()];
      await fx.backend.storeResult(buildMeta(d, 'SUCCESS', 1));
      await fx.backend.storeResult(buildMeta(short, 'SUCCESS', 1), { expiresSec: 30 });
      await fx.backend.storeResult(buildMeta(never, 'SUCCESS', 1), { expiresSec: null });
      expect(await fx.ttlSec(d)).toBeGreaterThan(86400 - 60);
      expect(await fx.ttlSec(d)).toBeLessThanOrEqual(86400);
      expect(await fx.ttlSec(short)).toBeGreaterThan(0);
      expect(await fx.ttlSec(short)).toBeLessThanOrEqual(30);
      expect(await fx.ttlSec(never)).toBeNull();
      expect(await fx.ttlSec(newTaskId())).toBeUndefined();
      const fractional = newTaskId();
      await fx.backend.storeResult(buildMeta(fractional, 'SUCCESS', 1), { expiresSec: 7.9 });
      expect(await fx.ttlSec(fractional)).toBeLessThanOrEqual(7);
    });

    itStores('stores without expiry when the backend is configured with 0', async () => {
      const forever = await factory({ resultExpiresSec: 0 });
      try {
        const id = newTaskId();
        await forever.backend.storeResult(buildMeta(id, 'PROGRESS', { current: 0 }));
        expect(await forever.ttlSec(id)).toBeNull();
      } finally {
        await forever.close();
      }
    });

    it('rejects pending waits with CELERIAC_BACKEND_CLOSED on close, and close is idempotent', async () => {
      const own = await factory();
      const waiting = own.backend.waitForResult(newTaskId(), 5000);
      const rejected = expect(waiting).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
      await own.backend.getTaskMeta(newTaskId());
      await Promise.all([own.backend.close(), own.backend.close()]);
      await rejected;
      await own.backend.close();
      await expect(own.backend.getTaskMeta(newTaskId())).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
      await own.close();
    });
  });
}
