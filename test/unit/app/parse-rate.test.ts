import { parseRate } from '../../../src/app/parse-rate';

describe('parseRate', () => {
  it.each([
    ['100/m', 100 / 60], ['10/s', 10], ['5/h', 5 / 3600], ['2', 2], ['0.5/s', 0.5], [' 3 / m ', 3 / 60], [7, 7], ['', 0], [null, 0], ['0', 0],
  ] as const)('%p → %p tasks/s', (input, expected) => {
    expect(parseRate(input)).toBeCloseTo(expected, 10);
  });

  it.each(['fast', '10/d', '-1/s', '1/', '/m'])('refuses %p naming it', (input) => {
    expect(() => parseRate(input)).toThrow(`bad rate limit "${input}"`);
  });
});
