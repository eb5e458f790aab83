import { ResultWriteBatch, WriteFailure, type BatchedWrite, type WriteOutcome } from '../../../src/backend/result-write-batch';

const write = (n: number): BatchedWrite => ({ key: `k${n}`, encoded: `v${n}`, ttlSec: n });

/** A flush that records its batches and answers each write with the number in its key (as a script reply). */
function recordingFlush(): { batches: BatchedWrite[][]; flush: (writes: BatchedWrite[]) => Promise<WriteOutcome[]> } {
  const batches: BatchedWrite[][] = [];
  return {
    batches,
    flush: (writes) => {
      batches.push([...writes]);
      return Promise.resolve(writes.map((w) => Number(w.key.slice(1))));
    },
  };
}

describe('ResultWriteBatch', () => {
  it('sends the writes of one turn as one batch, in order, and gives each write its own outcome', async () => {
    const { batches, flush } = recordingFlush();
    const batch = new ResultWriteBatch(flush);
    const results = await Promise.all([1, 0, 7].map((n) => batch.add(write(n), (o) => o)));
    expect(batches).toEqual([[write(1), write(0), write(7)]]);
    expect(results).toEqual([1, 0, 7]);
  });

  it('starts a new batch for a write that comes after the turn was sent', async () => {
    const { batches, flush } = recordingFlush();
    const batch = new ResultWriteBatch(flush);
    await batch.add(write(1), (o) => o);
    await batch.add(write(2), (o) => o);
    expect(batches).toEqual([[write(1)], [write(2)]]);
  });

  it('splits a turn of more than 256 writes into batches of at most 256, in order', async () => {
    const { batches, flush } = recordingFlush();
    const batch = new ResultWriteBatch(flush);
    const results = await Promise.all(Array.from({ length: 600 }, (_, i) => batch.add(write(i), (o) => o)));
    expect(batches.map((b) => b.length)).toEqual([256, 256, 88]);
    expect(batches.flat().map((w) => w.key)).toEqual(Array.from({ length: 600 }, (_, i) => `k${i}`));
    expect(results).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it("rejects a write when its reaction throws, without touching the other writes' outcomes", async () => {
    const batch = new ResultWriteBatch((writes) => Promise.resolve(writes.map((w) => (w.key === 'k2' ? new WriteFailure(new Error('refused k2')) : 1))));
    const react = (o: WriteOutcome): number => {
      if (o instanceof WriteFailure) throw o.error;
      return o;
    };
    const settled = await Promise.allSettled([batch.add(write(1), react), batch.add(write(2), react), batch.add(write(3), react)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('refused k2'));
  });

  it('gives every write of a batch the failure when the flush itself throws', async () => {
    const boom = new Error('flush threw');
    const batch = new ResultWriteBatch(() => { throw boom; });
    const outcomes = await Promise.all([batch.add(write(1), (o) => o), batch.add(write(2), (o) => o)]);
    expect(outcomes).toEqual([new WriteFailure(boom), new WriteFailure(boom)]);
    expect((outcomes[0] as WriteFailure).error).toBe(boom);
  });
});
