import { dirname, join } from 'node:path';

/**
 * py-amqp (amqp/serialization.py `_write_item`) writes a header integer beyond the int32 range with
 * the tag `L`, a signed 64-bit big-endian value: the same bytes as RabbitMQ's `l`. amqplib's table
 * decoder knows only `l` and throws on `L`, which would fail the whole connection on one message
 * from a Python producer (and again on every redelivery). So before amqplib loads, its table decoder
 * is wrapped to read `L` as `l`. Imported for this side effect first by amqp-connection.ts.
 */

/** Bytes taken by a fixed-size field value after its tag (RabbitMQ's table types). */
const FIXED_SIZE: Record<string, number> = { b: 1, B: 1, t: 1, s: 2, u: 2, U: 2, I: 4, i: 4, f: 4, l: 8, L: 8, d: 8, T: 8, D: 5, V: 0 };
const LONG_TAG = 'L'.charCodeAt(0);
const RABBIT_LONG_TAG = 'l'.charCodeAt(0);

/**
 * A field table (the bytes after its 4-byte length) with every `L` value tag turned into `l`; the same
 * buffer when there is none. Stops at anything it cannot read, leaving that to amqplib's own error.
 */
export function rewriteLongIntTags(table: Buffer): Buffer {
  const tags: number[] = [];
  walkTable(table, 0, table.length, tags);
  if (tags.length === 0) return table;
  const copy = Buffer.from(table);
  for (const at of tags) copy[at] = RABBIT_LONG_TAG;
  return copy;
}

function walkTable(buf: Buffer, start: number, end: number, tags: number[]): boolean {
  let offset = start;
  while (offset < end) {
    offset += 1 + buf.readUInt8(offset); // shortstr key
    const next = walkValue(buf, offset, end, tags);
    if (next < 0) return false;
    offset = next;
  }
  return true;
}

/** Offset after the value whose tag is at `offset`, or -1 when it cannot be read. */
function walkValue(buf: Buffer, offset: number, end: number, tags: number[]): number {
  if (offset >= end) return -1;
  const tag = String.fromCharCode(buf[offset] as number);
  const fixed = FIXED_SIZE[tag];
  if (fixed !== undefined) {
    if (buf[offset] === LONG_TAG) tags.push(offset);
    return offset + 1 + fixed;
  }
  if (tag !== 'S' && tag !== 'x' && tag !== 'F' && tag !== 'A') return -1;
  if (offset + 5 > end) return -1;
  const len = buf.readUInt32BE(offset + 1);
  const body = offset + 5;
  if (body + len > end) return -1;
  if (tag === 'F' && !walkTable(buf, body, body + len, tags)) return -1;
  if (tag === 'A') {
    for (let item = body; item < body + len;) {
      item = walkValue(buf, item, body + len, tags);
      if (item < 0) return -1;
    }
  }
  return body + len;
}

interface AmqplibCodec {
  decodeFields(slice: Buffer): Record<string, unknown>;
  celeriacLongIntTag?: true;
}

/** Wraps amqplib's table decoder (its lib/codec.js, loaded by path: not in the package's exports map). */
function installLongIntTagDecoding(): void {
  const codec = require(join(dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as AmqplibCodec;
  if (codec.celeriacLongIntTag) return;
  const decode = codec.decodeFields;
  codec.decodeFields = (slice: Buffer) => decode(rewriteLongIntTags(slice));
  codec.celeriacLongIntTag = true;
}

installLongIntTagDecoding();
