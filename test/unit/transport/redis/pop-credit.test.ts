import { BACKLOG_BATCH, MAX_BATCH, lowWater, nextPopSize, queuedPopSize } from '../../../../src/transport/redis/pop-credit';

// The consumer's credit arithmetic: a pop never reserves more than the prefetch bound leaves free,
// refills in batches while others are out, and grows to BACKLOG_BATCH only after a full call.

describe('nextPopSize', () => {
  it('takes what the prefetch leaves free, capped at MAX_BATCH, or BACKLOG_BATCH after a full call', () => {
    expect(nextPopSize(400, 0, 0, false)).toBe(MAX_BATCH);
    expect(nextPopSize(400, 0, 0, true)).toBe(BACKLOG_BATCH);
    expect(nextPopSize(10, 0, 0, false)).toBe(10);
    expect(nextPopSize(0, 1000, 64, true)).toBe(BACKLOG_BATCH);
  });

  it('with deliveries or calls out, waits for a low-water mark of credit (a quarter of the prefetch)', () => {
    expect(lowWater(100)).toBe(25);
    expect(nextPopSize(100, 76, 0, false)).toBe(0);
    expect(nextPopSize(100, 75, 0, false)).toBe(25);
    expect(nextPopSize(100, 36, 40, false)).toBe(0);
    expect(nextPopSize(100, 0, 64, false)).toBe(36);
  });

  it('never exceeds the bound: nothing when the bound is reached or was lowered below what is out', () => {
    expect(nextPopSize(4, 4, 0, false)).toBe(0);
    expect(nextPopSize(4, 2, 2, false)).toBe(0);
    expect(nextPopSize(4, 10, 0, false)).toBe(0);
    // prefetch 1: the low-water mark is 1, so one slot free is worth a call
    expect(lowWater(1)).toBe(1);
    expect(nextPopSize(1, 0, 0, false)).toBe(1);
    expect(lowWater(0)).toBe(1);
    expect(lowWater(10_000)).toBe(MAX_BATCH);
  });
});

describe('queuedPopSize', () => {
  it('splits the prefetch evenly over the watched keys, 1 to MAX_BATCH each, within the free credit', () => {
    expect(queuedPopSize(400, 0, 0, 4)).toBe(MAX_BATCH);
    expect(queuedPopSize(16, 0, 0, 8)).toBe(2);
    expect(queuedPopSize(4, 0, 0, 8)).toBe(1);
    expect(queuedPopSize(16, 0, 15, 8)).toBe(1);
    expect(queuedPopSize(16, 10, 6, 8)).toBe(0);
    expect(queuedPopSize(16, 20, 0, 8)).toBe(0);
    expect(queuedPopSize(0, 500, 500, 8)).toBe(MAX_BATCH);
    expect(queuedPopSize(16, 0, 0, 0)).toBe(0);
  });
});
