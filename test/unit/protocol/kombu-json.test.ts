import { decodeKombuJson, encodeKombuJson, formatPythonNumber, PythonDatetime } from '../../../src/protocol';

describe('decodeKombuJson', () => {
  it('decodes surrogate pairs to the astral character and keeps BMP escapes', () => {
    expect(decodeKombuJson('["\\ud83d\\ude00", "\\u00e9", "caf\\u00e9"]')).toEqual(['😀', 'é', 'café']);
  });

  it('turns unsafe integers into bigint and accepts NaN/Infinity as Python writes them', () => {
    expect(decodeKombuJson('[9007199254740993, -9007199254740993, 9007199254740991, 1.5e300, NaN, -Infinity]'))
      .toEqual([9007199254740993n, -9007199254740993n, 9007199254740991, 1.5e300, NaN, -Infinity]);
  });

  it('decodes every kombu type wrapper', () => {
    const text = '[{"__type__": "datetime", "__value__": "2024-01-02T03:04:05"},'
      + ' {"__type__": "datetime", "__value__": "2024-01-02T05:04:05.678901+02:00"},'
      + ' {"__type__": "date", "__value__": "2024-02-29"}, {"__type__": "time", "__value__": "13:14:15.000016"},'
      + ' {"__type__": "decimal", "__value__": "1.50"}, {"__type__": "uuid", "__value__": {"hex": "12345678123456781234567812345678"}},'
      + ' {"__type__": "uuid", "__value__": "12345678-1234-5678-1234-56781234567A"},'
      + ' {"__type__": "bytes", "__value__": "h\\u00e9"}, {"__type__": "base64", "__value__": "/wD+"}]';
    const out = decodeKombuJson(text) as unknown[];
    expect(out).toEqual([new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05.678Z'), '2024-02-29', '13:14:15.000016', '1.50',
      '12345678-1234-5678-1234-567812345678', '12345678-1234-5678-1234-56781234567a', Buffer.from('hé'), Buffer.from([0xff, 0, 0xfe])]);
    expect((out[1] as PythonDatetime).microsecond).toBe(678901);
  });

  it('gives the same result on the JSON.parse fast path and the precise path', () => {
    const text = '{"d": {"__type__": "date", "__value__": "2024-02-29"}, "n": [1, 2.5, "x", null, true], "__proto__": 1}';
    const fast = decodeKombuJson(text) as Record<string, unknown>;
    const precise = decodeKombuJson(`${text.slice(0, -1)}, "p": NaN}`) as Record<string, unknown>;
    expect(precise).toEqual({ ...fast, p: NaN });
    expect(Object.keys(fast)).toEqual(['d', 'n', '__proto__']);
  });

  it('revives a wrapper whose keys are spelled with escapes, and one in text longer than 1,000 characters', () => {
    expect(decodeKombuJson('[{"\\u005f_type__": "date", "_\\u005fvalue__": "2024-02-29"}]')).toEqual(['2024-02-29']);
    const long = `[${JSON.stringify('x'.repeat(2000))}, {"__type__": "date", "__value__": "2024-02-29"}]`;
    expect(decodeKombuJson(long)).toEqual(['x'.repeat(2000), '2024-02-29']);
    // Short plain text: nothing to revive, the objects come back as parsed.
    expect(decodeKombuJson('[[1], {"a": {"b": null}}, {"callbacks": null}]')).toEqual([[1], { a: { b: null } }, { callbacks: null }]);
  });

  it('leaves objects with other key sets alone (a third key disables the wrapper)', () => {
    expect(decodeKombuJson('{"__type__": "datetime", "__value__": "x", "extra": 1}')).toEqual({ __type__: 'datetime', __value__: 'x', extra: 1 });
  });

  it.each([
    ['unknown type', '{"__type__": "set", "__value__": [1]}', /unknown type/],
    ['bad datetime', '{"__type__": "datetime", "__value__": "yesterday"}', /not an ISO datetime/],
    ['bad date', '{"__type__": "date", "__value__": "2023-02-29"}', /not an ISO date/],
    ['bad uuid', '{"__type__": "uuid", "__value__": {"hex": "xyz"}}', /not a uuid/],
    ['bad decimal', '{"__type__": "decimal", "__value__": "1,5"}', /not a decimal/],
    ['bad base64', '{"__type__": "base64", "__value__": "!!"}', /base64/],
    ['syntax error', '[1, 2', /not valid JSON.*position/],
    ['trailing data', '[1] x', /extra data/],
    ['raw control character', '["a\nb"]', /invalid string/],
  ])('refuses %s with CELERIAC_PROTOCOL_BAD_BODY', (_what, text, message) => {
    expect(() => decodeKombuJson(text)).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_BAD_BODY', message: expect.stringMatching(message) }));
  });

  it('stores a "__proto__" key as data', () => {
    const out = decodeKombuJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});

describe('encodeKombuJson', () => {
  it('writes Python spacing and ASCII escapes', () => {
    expect(encodeKombuJson([['é', '✓', '😀'], { a: 1, b: [true, null] }])).toBe('[["\\u00e9", "\\u2713", "\\ud83d\\ude00"], {"a": 1, "b": [true, null]}]');
  });

  it('wraps Date, Buffer and writes bigint as an integer', () => {
    expect(encodeKombuJson([new Date('2024-01-02T03:04:05Z'), new PythonDatetime(Date.parse('2024-01-02T03:04:05.678Z'), 678901),
      Buffer.from('text'), Buffer.from([0xff, 0x00]), 2n ** 64n])).toBe('[{"__type__": "datetime", "__value__": "2024-01-02T03:04:05+00:00"}, '
      + '{"__type__": "datetime", "__value__": "2024-01-02T03:04:05.678901+00:00"}, {"__type__": "bytes", "__value__": "text"}, '
      + '{"__type__": "base64", "__value__": "/wA="}, 18446744073709551616]');
  });

  it('skips undefined members, writes undefined array items as null, honours toJSON', () => {
    expect(encodeKombuJson({ a: undefined, b: [undefined], c: { toJSON: () => 'x' } })).toBe('{"b": [null], "c": "x"}');
  });

  it('round-trips through decodeKombuJson', () => {
    const value = { when: new Date('2026-11-21T04:22:06.375Z'), big: 2n ** 70n, raw: Buffer.from([1, 2, 3]), s: '😀\u0000"\\' };
    expect(decodeKombuJson(encodeKombuJson(value))).toEqual(value);
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a Map', new Map()],
    ['an invalid Date', new Date(NaN)],
  ])('refuses %s with CELERIAC_PROTOCOL_ENCODE', (_what, value) => {
    expect(() => encodeKombuJson({ v: value })).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_ENCODE' }));
  });

  it('refuses a cycle, naming the path', () => {
    const a: Record<string, unknown> = {};
    a.self = [a];
    expect(() => encodeKombuJson(a)).toThrow(/\$\.self\[0\].*circular/);
  });
});

describe('formatPythonNumber', () => {
  it.each([
    [1, '1'], [-2.5, '-2.5'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e16, '1.5e+16'], [1e-7, '1e-07'], [-0, '-0.0'],
    [123456.789, '123456.789'], [1e300, '1e+300'],
  ])('%p → %s as Python repr', (n, text) => {
    expect(formatPythonNumber(n)).toBe(text);
  });
});

describe('encodeKombuJson: depth and size limits', () => {
  const nest = (levels: number, leaf: unknown = 0): unknown => {
    let v = leaf;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };
  const encodeFailure = (value: unknown, options = {}): { code?: string; message: string } => {
    try {
      encodeKombuJson(value, options);
    } catch (err) {
      return err as { code?: string; message: string };
    }
    throw new Error('encodeKombuJson did not throw');
  };

  it('writes 1,000 nested levels (what the tolerant parser still reads) and refuses 1,001 or 3,000 as too deep', () => {
    const text = encodeKombuJson(nest(1000));
    expect(text.length).toBe(2001);
    expect(decodeKombuJson(`${text.slice(0, -1)}, NaN]`)).toEqual([nest(999), NaN]); // the slow parser reads it back
    expect(encodeFailure(nest(1001)).code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_DEEP');
    const deep = encodeFailure({ result: nest(3000) });
    expect(deep.code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_DEEP');
    expect(deep.message).toMatch(/^cannot encode \$\.result\[0\]\[0\]\[0\]\[0\]\[0\]\.\.\.\(990 more\)\.\.\.\[0\]\[0\]\[0\]\[0\]: nested deeper than 1000 levels$/);
  });

  it('refuses deep objects too, and an empty container at the limit is fine', () => {
    let obj: Record<string, unknown> = {};
    for (let i = 0; i < 1500; i++) obj = { k: obj };
    expect(encodeFailure(obj).code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_DEEP');
    expect(() => encodeKombuJson(nest(999, []))).not.toThrow();
  });

  it('counts exactly: maxBytes equal to the output passes, one byte less is refused', () => {
    const values: unknown[] = [
      'plain', 'é😀', [1, 'two', null, true, 2.5], { a: 1, b: [{}, []], 'ключ': 'значение' }, [],
      { d: new Date('2024-01-02T03:04:05Z'), b: Buffer.from('text'), r: Buffer.from([0xff, 0]), n: 2n ** 64n, u: undefined, x: NaN },
      'x'.repeat(200_000) + 'я'.repeat(70_000) + '😀'.repeat(40_000),
    ];
    for (const value of values) {
      const text = encodeKombuJson(value);
      expect(encodeKombuJson(value, { maxBytes: text.length })).toBe(text);
      expect(encodeFailure(value, { maxBytes: text.length - 1 }).code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_LARGE');
    }
  });

  it('refuses a 70-million-character string or a 100 MB Buffer above the limit without building it', () => {
    const huge = encodeFailure({ result: 'я'.repeat(70e6) }, { maxBytes: 64 * 1024 * 1024 });
    expect(huge).toMatchObject({ code: 'CELERIAC_PROTOCOL_ENCODE_TOO_LARGE', message: 'cannot encode $.result: encoded text exceeds the 67108864-byte limit' });
    expect(encodeFailure([Buffer.alloc(100e6)], { maxBytes: 1e6 }).code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_LARGE');
  });

  it('escapes long strings chunk by chunk exactly as one pass would, surrogate pairs across chunk edges included', () => {
    // 65,535 ASCII characters put the high half of the next emoji on the last position of a 65,536-unit chunk
    const s = `${'a'.repeat(65_535)}😀${'é'.repeat(70_000)}"\\\n${'😀'.repeat(33_000)}`;
    const oneByOne = JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(encodeKombuJson(s)).toBe(oneByOne);
    expect(decodeKombuJson(encodeKombuJson(s))).toBe(s);
  });
});

describe('decodeKombuJson: deep nesting', () => {
  it.each([3000, 1_000_000])('refuses %i nested lists by position (never a stack overflow), with or without NaN in them', (levels) => {
    for (const inner of ['', 'NaN']) {
      expect(() => decodeKombuJson(`${'['.repeat(levels)}${inner}${']'.repeat(levels)}`))
        .toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_BAD_BODY', message: 'body is not valid JSON: nesting too deep at position 1001' }));
    }
  });
});
