import { latencyCell, roundsAtOrBelow, summarizeRounds } from '../../../bench/latency-rounds';

describe('bench latency rounds', () => {
  it('summarizes the rounds that gave figures: medians, and the cell shows min–max', () => {
    const s = summarizeRounds([
      { p50: 1.5, p99: 7, firstGetFound: 0.1, workerCpuUsPerCall: 400 },
      { error: 'timeout' },
      { p50: 1.3, p99: 9, firstGetFound: 0.3, workerCpuUsPerCall: 500 },
      { p50: 1.4, p99: 8, firstGetFound: null, workerCpuUsPerCall: 450 },
    ]);
    expect(s.p50).toBeCloseTo(1.4);
    expect(s.p99).toBe(8);
    expect(s.firstGetFound).toBeCloseTo(0.2);
    expect(s.cpuUsPerCall).toBe(450);
    expect(latencyCell(s, 'p50')).toBe('1.40 (1.30–1.50)');
    expect(latencyCell(s, 'p99')).toBe('8.00 (7.00–9.00)');
  });

  it('shows one round without a range, and no figures as n/a or error', () => {
    expect(latencyCell(summarizeRounds([{ p50: 2, p99: 3 }]), 'p50')).toBe('2.00');
    expect(latencyCell(summarizeRounds([{ error: 'n/a: one queue only' }, { error: 'n/a: one queue only' }]), 'p50')).toBe('n/a');
    const failed = summarizeRounds([{ error: 'start: ECONNREFUSED' }, undefined]);
    expect(failed.error).toBe('start: ECONNREFUSED');
    expect(latencyCell(failed, 'p99')).toBe('error');
    expect(summarizeRounds([]).error).toBe('not run');
  });

  it('counts the rounds at or below every peer measured in that round', () => {
    const mine = [{ p50: 1.0, p99: 5 }, { p50: 2.0, p99: 5 }, { p50: 1.0, p99: 5 }, { error: 'boom' }];
    const python = [{ p50: 1.5, p99: 4 }, { p50: 1.5, p99: 6 }, { error: 'n/a' }, { p50: 1, p99: 1 }];
    const node = [{ p50: 1.0, p99: 6 }, { p50: 3.0, p99: 6 }, { error: 'n/a' }, { p50: 1, p99: 1 }];
    // Round 3 has no measured peer and round 4 no figure of ours: neither counts.
    expect(roundsAtOrBelow(mine, [python, node], 'p50')).toEqual({ won: 1, of: 2 });
    expect(roundsAtOrBelow(mine, [python, node], 'p99')).toEqual({ won: 1, of: 2 });
  });
});
