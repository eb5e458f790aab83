import pino from 'pino';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import type { ResultBackend, StoreOptions } from '../../../src/backend/result-backend';
import { BackendError } from '../../../src/errors/celeriac-error';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import type { TaskMessage } from '../../../src/protocol/task-message';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import { ResultWriter, type ResultContext, type ResultWriterOptions } from '../../../src/worker/result-writer';
import type { StoreOutcome } from '../../../src/worker/store-outcome';
import { wireTask } from '../../helpers/task-wire';
import { manualClock, waitFor } from '../../helpers/memory-worker';

const logger = pino({ level: 'silent' });

function ctxFor(args: unknown[] = [1]): ResultContext {
  const message: TaskMessage = decodeTaskMessage(wireTask('tapp.add', args), { accept: ['json'], maxBodyBytes: 1e6 });
  return { message, hostname: 'ts1@test', queue: 'celery' };
}

/** A memory backend whose next `failures` stores throw `error` (then it behaves), recording every attempt. */
function flakyBackend(failures: number, error: () => Error): { backend: MemoryResultBackend; attempts: Array<{ status: string; options?: StoreOptions }> } {
  const backend = new MemoryResultBackend();
  const attempts: Array<{ status: string; options?: StoreOptions }> = [];
  const store = backend.storeResult.bind(backend);
  let left = failures;
  backend.storeResult = async (meta: ResultMeta, options?: StoreOptions) => {
    attempts.push({ status: meta.status, ...(options ? { options } : {}) });
    if (left-- > 0) throw error();
    return store(meta, options);
  };
  return { backend, attempts };
}

const ioError = (): Error => new BackendError('CELERIAC_BACKEND_IO', 'result backend store failed: Reached the max retries per request limit');
const base = (extra: Partial<ResultWriterOptions> = {}): ResultWriterOptions => ({ extended: false, expiresSec: null, now: () => 0, ...extra });

describe('ResultWriter', () => {
  it('builds metas and store options with the same keys, values and key order as before (optional keys only when set)', async () => {
    const seen: Array<{ meta: ResultMeta; options?: StoreOptions }> = [];
    const recorder: ResultBackend = Object.assign(new MemoryResultBackend(), {
      storeResult: async (meta: ResultMeta, options?: StoreOptions) => { seen.push({ meta, ...(options ? { options } : {}) }); return true; },
    });
    const plain = ctxFor();
    const linked: ResultContext = { ...plain, message: { ...plain.message, group: 'g1', parentId: 'p1', replyTo: null, correlationId: 'c1' } };
    await new ResultWriter(recorder, base(), logger).markSucceeded(plain, 3);
    await new ResultWriter(recorder, base({ extended: true, expiresSec: 60, maxResultBytes: 1000 }), logger).markSucceeded(linked, undefined);
    const [a, b] = seen;
    expect(Object.keys(a?.meta ?? {})).toEqual(['taskId', 'status', 'result', 'traceback', 'children', 'dateDone']);
    expect(Object.keys(a?.options ?? {})).toEqual(['expiresSec', 'replyTo', 'correlationId']);
    expect(Object.keys(b?.meta ?? {})).toEqual(['taskId', 'status', 'result', 'traceback', 'children', 'dateDone', 'groupId', 'parentId', 'extended']);
    expect(b?.meta).toMatchObject({ result: null, groupId: 'g1', parentId: 'p1', extended: { name: 'tapp.add', args: [1], worker: 'ts1@test', queue: 'celery' } });
    expect(b?.options).toEqual({ expiresSec: 60, maxEncodedBytes: 1000, replyTo: null, correlationId: 'c1' });
    expect(Object.keys(b?.options ?? {})).toEqual(['expiresSec', 'maxEncodedBytes', 'replyTo', 'correlationId']);
  });

  it('stores, and reports a SUCCESS already stored as stored (written false)', async () => {
    const backend = new MemoryResultBackend();
    const writer = new ResultWriter(backend, base(), logger);
    const ctx = ctxFor();
    expect(await writer.markSucceeded(ctx, 3)).toEqual({ kind: 'stored', written: true });
    expect(await writer.markFailed(ctx, new Error('late'))).toEqual({ kind: 'stored', written: false });
    expect(await new ResultWriter(null, base(), logger).markSucceeded(ctx, 3)).toEqual({ kind: 'disabled' });
  });

  it.each([
    ['nested 3,000 deep', (() => { let v: unknown = 0; for (let i = 0; i < 3000; i++) v = [v]; return v; })(), /^result is nested too deeply to encode as JSON: cannot encode \$\.result.*nested deeper than 1000 levels$/],
    ['above result_max_bytes', 'x'.repeat(5000), /^result is too large to store \(result_max_bytes = 4096\): cannot encode \$\.result: encoded text exceeds the 4096-byte limit$/],
    ['a function', { f: () => 1 }, /^result is not JSON-serializable: cannot encode \$\.result\.f: a function cannot be encoded as JSON$/],
    ['a Map', new Map([[1, 2]]), /^result is not JSON-serializable: cannot encode \$\.result: a Map cannot be encoded as JSON$/],
  ])('replaces a result %s by FAILURE kombu.exceptions.EncodeError naming the problem', async (_what, value, message) => {
    const backend = new MemoryResultBackend();
    const writer = new ResultWriter(backend, base({ maxResultBytes: 4096 }), logger);
    const ctx = ctxFor();
    const outcome = await writer.markSucceeded(ctx, value);
    expect(outcome.kind).toBe('replaced');
    const meta = await backend.getTaskMeta(ctx.message.id) as ResultMeta;
    expect(meta).toMatchObject({ status: 'FAILURE', traceback: null, result: { excType: 'EncodeError', excModule: 'kombu.exceptions' } });
    expect((meta.result as { excMessage: string[] }).excMessage).toEqual([expect.stringMatching(message)]);
    expect((outcome as Extract<StoreOutcome, { kind: 'replaced' }>).exception).toEqual(meta.result);
  });

  it('drops the result_extended arguments when they are what cannot be encoded', async () => {
    const backend = new MemoryResultBackend();
    const writer = new ResultWriter(backend, base({ extended: true, maxResultBytes: 4096 }), logger);
    const ctx = ctxFor(['y'.repeat(8000)]);
    expect((await writer.markSucceeded(ctx, 1)).kind).toBe('replaced');
    const meta = await backend.getTaskMeta(ctx.message.id) as ResultMeta;
    expect(meta.status).toBe('FAILURE');
    expect(meta.extended).toBeUndefined();
  });

  it("replaces a result the server refuses for good (above proto-max-bulk-len) and says which setting to lower", async () => {
    const { backend, attempts } = flakyBackend(1, () => new BackendError('CELERIAC_BACKEND_REFUSED', 'result backend refused the result of task t (2000000 bytes): ERR Protocol error: invalid bulk length'));
    const writer = new ResultWriter(backend, base(), logger);
    const ctx = ctxFor();
    const outcome = await writer.markSucceeded(ctx, 'big');
    expect(outcome.kind).toBe('replaced');
    expect(attempts.map((a) => a.status)).toEqual(['SUCCESS', 'FAILURE']);
    expect(JSON.stringify((await backend.getTaskMeta(ctx.message.id))?.result)).toMatch(/refused to store the result.*invalid bulk length.*result_max_bytes/);
  });

  it('retries a transient failure of a final state with full-jitter backoff, bounded by maxRetries', async () => {
    const clock = manualClock();
    const { backend, attempts } = flakyBackend(10, ioError);
    const writer = new ResultWriter(backend, base({ retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 300 }, clock, random: () => 0.9999 }), logger);
    const pending = writer.markSucceeded(ctxFor(), 1);
    await waitFor(() => clock.timers.length === 1);
    expect(clock.timers[0]?.at).toBe(200); // min(300, 100 * 2^1), the top of the jitter range
    clock.advance(200);
    await waitFor(() => clock.timers.length === 1);
    expect(clock.timers[0]?.at).toBe(500); // capped at 300
    clock.advance(300);
    const outcome = await pending;
    expect(outcome).toMatchObject({ kind: 'unstored', error: { code: 'CELERIAC_BACKEND_IO' } });
    expect(attempts).toHaveLength(3);
  });

  it('stores once the failure clears up within the retries', async () => {
    const clock = manualClock();
    const { backend, attempts } = flakyBackend(1, ioError);
    const writer = new ResultWriter(backend, base({ clock, random: () => 0 }), logger);
    const ctx = ctxFor();
    const pending = writer.markFailed(ctx, new Error('boom'));
    await waitFor(() => clock.timers.length === 1);
    clock.advance(0);
    expect(await pending).toEqual({ kind: 'stored', written: true });
    expect(attempts).toHaveLength(2);
    expect((await backend.getTaskMeta(ctx.message.id))?.status).toBe('FAILURE');
  });

  it('does not retry once the worker is stopping, a closed backend, or an advisory state (STARTED, PROGRESS)', async () => {
    const stopping = flakyBackend(10, ioError);
    expect((await new ResultWriter(stopping.backend, base({ isStopping: () => true }), logger).markSucceeded(ctxFor(), 1)).kind).toBe('unstored');
    expect(stopping.attempts).toHaveLength(1);

    const closed = flakyBackend(10, () => new BackendError('CELERIAC_BACKEND_CLOSED', 'the result backend is closed'));
    expect((await new ResultWriter(closed.backend, base(), logger).markRevoked(ctxFor(), 'revoked')).kind).toBe('unstored');
    expect(closed.attempts).toHaveLength(1);

    const advisory = flakyBackend(10, ioError);
    const writer = new ResultWriter(advisory.backend, base(), logger);
    expect((await writer.markStarted(ctxFor())).kind).toBe('unstored');
    expect((await writer.markState(ctxFor(), 'PROGRESS', { f: () => 1 })).kind).toBe('unstored');
    expect(advisory.attempts.map((a) => a.status)).toEqual(['STARTED', 'PROGRESS']);
  });

  it('passes result_max_bytes to the backend as maxEncodedBytes', async () => {
    const { backend, attempts } = flakyBackend(0, ioError);
    await new ResultWriter(backend, base({ maxResultBytes: 1234, expiresSec: 60 }), logger).markSucceeded(ctxFor(), 1);
    expect(attempts[0]?.options).toEqual({ expiresSec: 60, maxEncodedBytes: 1234, replyTo: expect.any(String), correlationId: expect.any(String) });
  });

  it('never throws, even when the backend throws something that is not an Error', async () => {
    const backend: ResultBackend = Object.assign(new MemoryResultBackend(), { storeResult: async () => { throw 'down'; } });
    const outcome = await new ResultWriter(backend, base({ retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 } }), logger).markSucceeded(ctxFor(), 1);
    expect(outcome).toMatchObject({ kind: 'unstored', error: { message: 'down' } });
  });
});
