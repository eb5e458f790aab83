import { dirname, join } from 'node:path';
import { decodeTable, encodeTable } from '../../../../src/transport/amqp/amqp-header-table';

// amqplib's own table codec (not in its exports map, so loaded by path) turns our typed values into bytes.
const codec = require(join(dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as {
  encodeTable(buffer: Buffer, value: unknown, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
};

/** The wire bytes of a one-entry table, after the 4-byte length, the key length and the key. */
function wireValue(value: unknown): Buffer {
  const buf = Buffer.alloc(256);
  const size = codec.encodeTable(buf, encodeTable({ k: value }), 0);
  return buf.subarray(4 + 2, size);
}

describe('AMQP header tables as py-amqp writes them', () => {
  it('types every integer I (int32) in its range and l (signed 64-bit) beyond, never b or s', () => {
    expect(wireValue(3).toString('hex')).toBe(`49${'00000003'}`); // 'I'
    expect(wireValue(-7).toString('hex')).toBe('49fffffff9');
    expect(wireValue(40_000)[0]).toBe(0x49);
    expect(wireValue(2 ** 31 - 1)[0]).toBe(0x49);
    expect(wireValue(2 ** 31).toString('hex')).toBe('6c0000000080000000'); // 'l'
    expect(wireValue(-(2 ** 40))[0]).toBe(0x6c);
  });

  it('writes fractions as d, strings as S, booleans as t, null as V, lists as A of typed items', () => {
    expect(wireValue(0.25)[0]).toBe('d'.charCodeAt(0));
    expect(wireValue('é')[0]).toBe('S'.charCodeAt(0));
    expect(wireValue(true).toString('hex')).toBe('7401');
    expect(wireValue(null).toString()).toBe('V');
    expect(wireValue([30, null]).toString('hex')).toBe(`41${'00000006'}49${'0000001e'}56`);
    expect(wireValue({ retries: 1 })[0]).toBe('F'.charCodeAt(0));
  });

  it('round-trips through the codec to the same plain values, undefined entries dropped', () => {
    const headers = { task: 'tapp.add', retries: 2, timelimit: [null, 60], big: 2 ** 40, neg: -(2 ** 33), ratio: 1.5,
      nested: { a: [1, 'x', true] }, gone: undefined };
    const buf = Buffer.alloc(1024);
    const size = codec.encodeTable(buf, encodeTable(headers), 0);
    const { gone: _gone, ...kept } = headers;
    expect(decodeTable(codec.decodeFields(buf.subarray(4, size)))).toEqual(kept);
  });

  it('decodes amqplib timestamps and decimals to numbers', () => {
    expect(decodeTable({ t: { '!': 'timestamp', value: 1700000000 }, d: { '!': 'decimal', value: { places: 2, digits: 1234 } } }))
      .toEqual({ t: 1700000000, d: 12.34 });
  });
});
