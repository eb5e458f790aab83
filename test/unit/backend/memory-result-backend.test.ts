import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { buildMeta } from '../../contract/result-backend-contract';

describe('MemoryResultBackend', () => {
  it('forgets results once their expiry passes on the injected clock', async () => {
    let now = 1_000_000;
    const backend = new MemoryResultBackend({ resultExpiresSec: 10, now: () => now });
    await backend.storeResult(buildMeta('t1', 'SUCCESS', 1));
    await backend.storeResult(buildMeta('t2', 'SUCCESS', 2), { expiresSec: null });
    now += 9_999;
    expect(await backend.getTaskMeta('t1')).toMatchObject({ result: 1 });
    expect(backend.remainingTtlSec('t1')).toBe(1);
    now += 1;
    expect(await backend.getTaskMeta('t1')).toBeNull();
    expect(backend.remainingTtlSec('t1')).toBeUndefined();
    expect(await backend.getTaskMeta('t2')).toMatchObject({ result: 2 });
    // An expired SUCCESS no longer blocks a new write, as with Redis.
    expect(await backend.storeResult(buildMeta('t1', 'FAILURE', { excType: 'ValueError', excMessage: [], excModule: 'builtins' }))).toBe(true);
    await backend.close();
  });

  it('propagates encode failures of unserializable results instead of storing them', async () => {
    const backend = new MemoryResultBackend();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(backend.storeResult(buildMeta('t3', 'SUCCESS', cyclic))).rejects.toThrow();
    expect(await backend.getTaskMeta('t3')).toBeNull();
    await backend.close();
  });

  it('rejects calls after close', async () => {
    const backend = new MemoryResultBackend();
    await backend.close();
    await expect(backend.getTaskMeta('x')).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
    await expect(backend.connect()).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
  });
});
