import { pythonRepr, PythonDatetime } from '../../../src/protocol';

describe('pythonRepr (Celery saferepr style)', () => {
  it.each<[unknown, string, object?]>([
    [[2, 3], '(2, 3)', { tuple: true }],
    [[1], '(1,)', { tuple: true }],
    [[], '()', { tuple: true }],
    [[[1]], '([1],)', { tuple: true }],
    [[1, 2], '[1, 2]', {}],
    [{ a: 1, b: 'x' }, "{'a': 1, 'b': 'x'}", {}],
    [[null, true, false, -2.5, 1e-7], '[None, True, False, -2.5, 1e-07]', {}],
    ["it's", "'it\\'s'", {}],
    ['a\nb', "'a\nb'", {}],
    [9007199254740993n, '9007199254740993', {}],
    [Buffer.from('text'), "b'text'", {}],
    [Buffer.from([0xff, 0x00]), "b'ff00'", {}],
    [new Date('2024-01-02T03:04:05Z'), 'datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)', {}],
    [new Date('2024-01-02T03:04:00Z'), 'datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.timezone.utc)', {}],
    [new PythonDatetime(Date.parse('2024-01-02T03:04:05.678Z'), 678901), 'datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone.utc)', {}],
    [{ a: { b: [{ c: 1 }], e: {} } }, "{'a': {'b': [{...}], 'e': {}}}", {}],
    [[NaN, Infinity], '[nan, inf]', {}],
  ])('%p → %s', (value, text, options) => {
    expect(pythonRepr(value, options)).toBe(text);
  });

  it('cuts at maxChars with ", ..." and still closes every container', () => {
    const out = pythonRepr([Array.from({ length: 500 }, (_, i) => i)], { tuple: true, maxChars: 50 });
    expect(out.endsWith(', ...])')).toBe(true);
    expect(out.length).toBeLessThan(70);
  });

  it('truncates a long string at a word boundary as celery.utils.text.truncate', () => {
    // Python gives "('hello...', ..." (a cut marker and no closer); nothing else was left, so we just close
    expect(pythonRepr(['hello big world'], { tuple: true, maxChars: 10 })).toBe("('hello...',)");
  });
});

describe('pythonRepr (builtin repr style)', () => {
  it.each<[unknown, string]>([
    ['boom', "'boom'"],
    ["it's", '"it\'s"'],
    ['both \' and "', "'both \\' and \"'"],
    ['a\nb\t\\', "'a\\nb\\t\\\\'"],
    ['\u0001é😀', "'\\x01é😀'"],
    [Buffer.from("a'\n\xff", 'latin1'), 'b"a\'\\n\\xff"'],
  ])('%p → %s', (value, text) => {
    expect(pythonRepr(value, { style: 'repr' })).toBe(text);
  });

  it('does not elide deep containers', () => {
    expect(pythonRepr([[[[1]]]], { style: 'repr' })).toBe('[[[[1]]]]');
  });
});

describe('pythonRepr of a lone scalar (its fast path)', () => {
  it('is what the container walk writes for it', () => {
    const scalars: unknown[] = [
      null, undefined, true, false, 0, -0, 42, -1.5, 1e-7, 1e16, 1e21, Number.NaN, Infinity, -Infinity, 2n ** 70n, '', 'done', "it's",
      'a "b" \\ c', 'é😀\ud800', 'hello big world', 'z'.repeat(3000), Buffer.from('text'), Buffer.from([0xff, 0]), new Uint8Array([104, 105]),
      new Date('2024-01-02T03:04:05Z'), new Date(Number.NaN), () => 1, Symbol('s'),
    ];
    for (const v of scalars) {
      for (const style of ['saferepr', 'repr'] as const) {
        for (const maxChars of [undefined, 1024, 10, 1]) {
          // inside a list the walk has written '[' (one char) before the scalar: give it one more
          const listed = pythonRepr([v], { style, maxChars: maxChars === undefined ? undefined : maxChars + 1 });
          expect(pythonRepr(v, { style, maxChars })).toBe(listed.slice(1, -1));
        }
        expect(pythonRepr(v, { style, tuple: true })).toBe(pythonRepr([v], { style }).slice(1, -1));
      }
    }
    expect(pythonRepr('x', { maxChars: 0 })).toBe(', ...');
  });
});
