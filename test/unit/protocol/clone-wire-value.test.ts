import { cloneWireValue } from '../../../src/protocol/clone-wire-value';
import { decodeKombuJson } from '../../../src/protocol/kombu-json';
import { PythonDatetime } from '../../../src/protocol/python-datetime';

describe('cloneWireValue', () => {
  it('keeps Python bytes a Buffer, datetimes with their microseconds, bigint and nesting, and copies deeply', () => {
    const decoded = decodeKombuJson('{"args": [{"__type__": "bytes", "__value__": "abc"}, '
      + '{"__type__": "datetime", "__value__": "2026-12-02T03:04:05.123456"}, 12345678901234567890], '
      + '"kwargs": {"nested": {"list": [1, {"__type__": "base64", "__value__": "AAE="}]}}}') as Record<string, unknown>;
    const copy = cloneWireValue(decoded) as { args: unknown[]; kwargs: { nested: { list: unknown[] } } };
    expect(Buffer.isBuffer(copy.args[0])).toBe(true);
    expect((copy.args[0] as Buffer).toString()).toBe('abc');
    expect(copy.args[1]).toBeInstanceOf(PythonDatetime);
    expect((copy.args[1] as PythonDatetime).microsecond).toBe(123456);
    expect((copy.args[1] as Date).toISOString()).toBe('2026-12-02T03:04:05.123Z');
    expect(copy.args[2]).toBe(12345678901234567890n);
    expect(Buffer.isBuffer(copy.kwargs.nested.list[1])).toBe(true);
    expect(copy).toEqual(decoded);
    // A deep copy: changing the copy leaves the original alone.
    (copy.args[0] as Buffer)[0] = 0x7a;
    copy.kwargs.nested.list.push('x');
    expect(((decoded.args as unknown[])[0] as Buffer).toString()).toBe('abc');
    expect((decoded.kwargs as { nested: { list: unknown[] } }).nested.list).toHaveLength(2);
  });

  it('keeps plain Dates, null and primitives, and passes class instances through as they are', () => {
    class Money { constructor(readonly cents: number) {} }
    const money = new Money(5);
    const value = { d: new Date(0), n: null, s: 's', b: true, u: undefined, m: money, bare: Object.create(null) as object };
    const copy = cloneWireValue(value);
    expect(copy.d).toBeInstanceOf(Date);
    expect(copy.d).not.toBe(value.d);
    expect(copy.d.getTime()).toBe(0);
    expect(copy.m).toBe(money);
    expect(copy).toEqual(value);
  });

  it('refuses a cyclic value with a RangeError instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => cloneWireValue(a)).toThrow(RangeError);
  });
});
