import { formatPythonDatetime, parsePythonDatetime, PythonDatetime } from '../../../src/protocol';

describe('parsePythonDatetime / formatPythonDatetime', () => {
  it.each([
    ['2026-11-21T04:22:06.375670+00:00', '2026-11-21T04:22:06.375Z', 375670],
    ['2026-11-21T04:22:06+00:00', '2026-11-21T04:22:06.000Z', 0],
    ['2026-11-21T04:22:06', '2026-11-21T04:22:06.000Z', 0],
    ['2026-11-21T06:22:06.5+02:00', '2026-11-21T04:22:06.500Z', 500000],
    ['2026-11-21T04:22:06Z', '2026-11-21T04:22:06.000Z', 0],
    ['2026-11-20T23:22:06-05:00', '2026-11-21T04:22:06.000Z', 0],
    ['2026-11-21 04:22', '2026-11-21T04:22:00.000Z', 0],
    ['2026-11-21', '2026-11-21T00:00:00.000Z', 0],
  ])('parses %s', (text, iso, micro) => {
    const d = parsePythonDatetime(text) as PythonDatetime;
    expect(d.toISOString()).toBe(iso);
    expect(d.microsecond).toBe(micro);
  });

  it.each(['', 'now', '2026-13-01T00:00:00', '2026-02-30', '2026-11-21T24:00:00', '2026-11-21T04:22:06+25:00'])(
    'refuses %p', (text) => {
      expect(parsePythonDatetime(text)).toBeNull();
    });

  it('formats as Python isoformat, keeping microseconds and omitting a zero fraction', () => {
    expect(formatPythonDatetime(new Date('2026-11-21T04:22:06Z'))).toBe('2026-11-21T04:22:06+00:00');
    expect(formatPythonDatetime(new Date('2026-11-21T04:22:06.375Z'))).toBe('2026-11-21T04:22:06.375000+00:00');
    expect(formatPythonDatetime(parsePythonDatetime('2026-11-21T04:22:06.375670+00:00') as Date)).toBe('2026-11-21T04:22:06.375670+00:00');
    expect(() => formatPythonDatetime(new Date(NaN))).toThrow(RangeError);
  });

  it('formats a millisecond again as the first time, plain Dates and PythonDatetimes in any order', () => {
    const ms = Date.parse('2026-11-21T04:22:06.375Z');
    const py = new PythonDatetime(ms, 375670);
    const texts = [new Date(ms), py, new Date(ms), new Date(ms + 1), py, new Date(ms), new PythonDatetime(ms, 375000), new Date(ms + 1)]
      .map((d) => formatPythonDatetime(d));
    expect(texts).toEqual(['2026-11-21T04:22:06.375000+00:00', '2026-11-21T04:22:06.375670+00:00', '2026-11-21T04:22:06.375000+00:00',
      '2026-11-21T04:22:06.376000+00:00', '2026-11-21T04:22:06.375670+00:00', '2026-11-21T04:22:06.375000+00:00',
      '2026-11-21T04:22:06.375000+00:00', '2026-11-21T04:22:06.376000+00:00']);
    class Shifted extends Date { override toISOString(): string { return '1999-01-01T00:00:00.000Z'; } }
    expect(formatPythonDatetime(new Shifted(ms + 1))).toBe('1999-01-01T00:00:00.376000+00:00');
    expect(formatPythonDatetime(new Date(ms + 1))).toBe('2026-11-21T04:22:06.376000+00:00');
    expect(() => formatPythonDatetime(new Date(NaN))).toThrow(RangeError);
  });

  it('ignores stale microseconds when a PythonDatetime was shifted', () => {
    const d = parsePythonDatetime('2026-11-21T04:22:06.375670+00:00') as PythonDatetime;
    d.setTime(d.getTime() + 1);
    expect(formatPythonDatetime(d)).toBe('2026-11-21T04:22:06.376000+00:00');
  });
});
