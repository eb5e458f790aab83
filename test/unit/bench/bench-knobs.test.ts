import { count, num } from '../../../bench/bench-knobs';

describe('bench knobs', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  it('gives the full default when unset or empty', () => {
    delete process.env.BENCH_X;
    expect(count('BENCH_X', 3, 1)).toBe(3);
    process.env.BENCH_X = '';
    expect(num('BENCH_X', 1.5, 1)).toBe(1.5);
  });

  it('counts take positive integers only, naming the knob and its value', () => {
    process.env.BENCH_X = '7';
    expect(count('BENCH_X', 3, 1)).toBe(7);
    for (const bad of ['2.5', '0', '-1', 'abc']) {
      process.env.BENCH_X = bad;
      expect(() => count('BENCH_X', 3, 1)).toThrow(`BENCH_X=${bad} is not a positive integer`);
    }
  });

  it('numbers take any positive value', () => {
    process.env.BENCH_X = '0.5';
    expect(num('BENCH_X', 1, 1)).toBe(0.5);
    process.env.BENCH_X = '-2';
    expect(() => num('BENCH_X', 1, 1)).toThrow('BENCH_X=-2 is not a positive number');
  });
});
