import { dirname, join } from 'node:path';
import { rewriteLongIntTags } from '../../../../src/transport/amqp/amqp-long-int-tag';

const codec = require(join(dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as { decodeFields(slice: Buffer): Record<string, unknown> };

/** One table entry as py-amqp's _write_item writes an int beyond int32: tag L, signed 64-bit big-endian. */
function pyLong(key: string, value: bigint): Buffer {
  const v = Buffer.alloc(9);
  v.write('L', 0);
  v.writeBigInt64BE(value, 1);
  return Buffer.concat([Buffer.from([key.length]), Buffer.from(key), v]);
}

function pyString(key: string, value: string): Buffer {
  const head = Buffer.alloc(5);
  head.write('S', 0);
  head.writeUInt32BE(Buffer.byteLength(value), 1);
  return Buffer.concat([Buffer.from([key.length]), Buffer.from(key), head, Buffer.from(value)]);
}

describe("py-amqp's L integers", () => {
  it('rewrites L tags to l at every depth and leaves a table without any untouched', () => {
    const plain = pyString('task', 'tapp.add');
    expect(rewriteLongIntTags(plain)).toBe(plain);
    const inner = pyLong('n', -(2n ** 40n));
    const nestedHead = Buffer.alloc(5);
    nestedHead.write('F', 0);
    nestedHead.writeUInt32BE(inner.length, 1);
    const table = Buffer.concat([plain, pyLong('big', 2n ** 40n), Buffer.from([6]), Buffer.from('nested'), nestedHead, inner]);
    const out = rewriteLongIntTags(table);
    expect(out).not.toBe(table);
    expect(out.toString('latin1').includes('L')).toBe(false);
    expect(table.toString('latin1').split('L').length - 1).toBe(2); // the input is not modified
  });

  it('lets amqplib decode them once the transport is loaded', () => {
    require('../../../../src/transport/amqp/amqp-long-int-tag');
    const table = Buffer.concat([pyLong('big', 2n ** 40n), pyLong('neg', -(2n ** 33n)), pyString('s', 'x')]);
    expect(codec.decodeFields(table)).toEqual({ big: 2 ** 40, neg: -(2 ** 33), s: 'x' });
  });
});
