import { encodePythonJson, encodePythonJsonString, isPlainAscii } from '../../../src/protocol/python-json';
import { pyFloat } from '../../../src/protocol/events/python-float';

describe('encodePythonJson (json.dumps with ensure_ascii and kombu spacing)', () => {
  it.each([
    [[2, 3], '[2, 3]'],
    [{ a: 1, b: [true, null] }, '{"a": 1, "b": [true, null]}'],
    [['é', '✓'], '["\\u00e9", "\\u2713"]'],
    ['😀', '"\\ud83d\\ude00"'],
    ['a\u007fb', '"a\\u007fb"'],
    ['line\nbreak\t"q"\\', '"line\\nbreak\\t\\"q\\"\\\\"'],
    ['\u0001', '"\\u0001"'],
    [{ 'k,:': 'v, :' }, '{"k,:": "v, :"}'],
    [[undefined, () => 1], '[null, null]'],
    [{ skip: undefined, f: () => 1, keep: 0 }, '{"keep": 0}'],
    [[NaN, Infinity], '[null, null]'],
    [new Date('2026-01-02T03:04:05.000Z'), '"2026-01-02T03:04:05.000Z"'],
    [{ t: pyFloat(2), u: pyFloat(0.5) }, '{"t": 2.0, "u": 0.5}'],
    [[], '[]'],
    [{}, '{}'],
  ])('%j → %s', (value, expected) => {
    expect(encodePythonJson(value)).toBe(expected);
  });

  it('throws TypeError for cycles, bigints and unencodable top-level values', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(() => encodePythonJson(o)).toThrow(TypeError);
    expect(() => encodePythonJson(10n)).toThrow(TypeError);
    expect(() => encodePythonJson(undefined)).toThrow(TypeError);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(encodePythonJson([shared, shared])).toBe('[{"x": 1}, {"x": 1}]');
  });
});

describe('encodePythonJson: limits', () => {
  it('refuses nesting beyond 1,000 levels with CELERIAC_PROTOCOL_ENCODE_TOO_DEEP instead of overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < 1000; i++) v = [v];
    expect(encodePythonJson(v)).toHaveLength(2001);
    for (let i = 0; i < 5000; i++) v = { k: v };
    expect(() => encodePythonJson(v)).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_ENCODE_TOO_DEEP' }));
  });

  it('escapes a long non-ASCII string as the one-pass replace would', () => {
    const s = `${'😀'.repeat(40_000)}${'z'.repeat(1)}${'ж'.repeat(80_000)}`;
    expect(encodePythonJson({ s })).toBe(`{"s": ${JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}}`);
  });
});

describe('encodePythonJsonString: the plain-ASCII scan', () => {
  /** The escaping without the scan: JSON.stringify, then every code unit from U+007F up as \uXXXX. */
  const reference = (s: string): string =>
    JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

  it('writes every code unit, alone and inside short and long strings, as the escaping without the scan', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const s of [ch, `key_${ch}`, `${'a'.repeat(255)}${ch}`, `${'a'.repeat(256)}${ch}`]) {
        if (encodePythonJsonString(s) !== reference(s)) throw new Error(`differs for U+${c.toString(16)} in ${JSON.stringify(s.slice(0, 8))}`);
      }
    }
    for (const s of ['', 'delivery_tag', '3f2a1c9e-1d2b-4c3d-9e8f-000000000001', ' ~!#$%&()*+,-./:;<=>?@[]^_`{|}', 'x'.repeat(300)]) {
      expect(encodePythonJsonString(s)).toBe(reference(s));
      expect(encodePythonJson({ [s]: s })).toBe(`{${reference(s)}: ${reference(s)}}`);
    }
    expect(isPlainAscii('a"b')).toBe(false);
    expect(isPlainAscii('a\\b')).toBe(false);
    expect(isPlainAscii('plain text ~')).toBe(true);
  });
});
