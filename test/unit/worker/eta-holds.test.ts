import { ManualClock } from '../../../src/testing/manual-clock';
import { EtaHolds, type PrefetchAllowance } from '../../../src/worker/eta-holds';
import type { TrackedRequest } from '../../../src/worker/request-tracker';

/** Holds only pass requests through: any object stands for one. */
function request(id: string): TrackedRequest {
  return { msg: { id } } as unknown as TrackedRequest;
}

/** A prefetch allowance that starts at `base` and records every change. */
function allowance(base: number, limit?: number): PrefetchAllowance & { changes: number[]; value: number } {
  const a = {
    value: base,
    changes: [] as number[],
    limit,
    count: () => a.value,
    adjust: (delta: 1 | -1) => {
      if (a.value === 0) return false;
      a.value += delta;
      a.changes.push(delta);
      return true;
    },
  };
  return a;
}

describe('EtaHolds', () => {
  it('hands each request over when due, in time order, and raises the allowance meanwhile', () => {
    const clock = new ManualClock(0);
    const prefetch = allowance(4);
    const due: string[] = [];
    const holds = new EtaHolds(clock, prefetch, (req) => due.push(req.msg.id));
    holds.hold(request('late'), 2000);
    holds.hold(request('soon'), 1000);
    expect(holds.size).toBe(2);
    expect(prefetch.value).toBe(6);
    clock.advance(999);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toEqual(['soon']);
    expect(prefetch.value).toBe(5);
    clock.advance(1000);
    expect(due).toEqual(['soon', 'late']);
    expect(prefetch.value).toBe(4);
    expect(holds.size).toBe(0);
  });

  it('raises nothing past worker_eta_task_limit, and lowers only what it raised', () => {
    const clock = new ManualClock(0);
    const prefetch = allowance(4, 5);
    const holds = new EtaHolds(clock, prefetch, () => undefined);
    holds.hold(request('a'), 10);
    holds.hold(request('b'), 10);
    expect(prefetch.changes).toEqual([1]);
    clock.advance(10);
    expect(prefetch.changes).toEqual([1, -1]);
    expect(prefetch.value).toBe(4);
  });

  it('with an unlimited prefetch changes nothing and still hands the request over', () => {
    const clock = new ManualClock(0);
    const prefetch = allowance(0);
    const due: string[] = [];
    const holds = new EtaHolds(clock, prefetch, (req) => due.push(req.msg.id));
    holds.hold(request('a'), 5);
    clock.advance(5);
    expect(due).toEqual(['a']);
    expect(prefetch.changes).toEqual([]);
  });

  it('keeps two holds of one message apart (keyed by request), and cancelAll drops both', () => {
    const clock = new ManualClock(0);
    const due: string[] = [];
    const holds = new EtaHolds(clock, allowance(4), (req) => due.push(req.msg.id));
    holds.hold(request('same'), 100);
    holds.hold(request('same'), 100);
    expect(holds.size).toBe(2);
    holds.cancelAll();
    expect(holds.size).toBe(0);
    clock.advance(1000);
    expect(due).toEqual([]);
  });
});
