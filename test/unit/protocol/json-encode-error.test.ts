import { ProtocolError } from '../../../src/errors/celeriac-error';
import { asJsonEncodeError, isJsonEncodeError, JsonEncodeError } from '../../../src/protocol/json-encode-error';

describe('JsonEncodeError', () => {
  it('has one stable code per problem, all under CELERIAC_PROTOCOL_ENCODE', () => {
    expect(new JsonEncodeError('unserializable', 'x')).toMatchObject({ code: 'CELERIAC_PROTOCOL_ENCODE', problem: 'unserializable' });
    expect(new JsonEncodeError('too-deep', 'x').code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_DEEP');
    expect(new JsonEncodeError('too-large', 'x').code).toBe('CELERIAC_PROTOCOL_ENCODE_TOO_LARGE');
    expect(isJsonEncodeError(new JsonEncodeError('too-large', 'x'))).toBe(true);
    expect(isJsonEncodeError(new ProtocolError('CELERIAC_PROTOCOL_ENCODE', 'legacy'))).toBe(true);
    expect(isJsonEncodeError(new ProtocolError('CELERIAC_PROTOCOL_BAD_BODY', 'x'))).toBe(false);
  });

  it('maps what V8 and Node throw when the stack or a string runs out, and nothing else', () => {
    let overflow: unknown;
    const recurse = (n: number): number => recurse(n + 1) + 1;
    try {
      recurse(0);
    } catch (err) {
      overflow = err;
    }
    expect(asJsonEncodeError(overflow)).toMatchObject({ problem: 'too-deep' });
    expect(asJsonEncodeError(new RangeError('Invalid string length'))).toMatchObject({ problem: 'too-large' });
    expect(asJsonEncodeError(Object.assign(new Error('Cannot create a string longer than 0x1fffffe8 characters'), { code: 'ERR_STRING_TOO_LONG' })))
      .toMatchObject({ problem: 'too-large' });
    const other = new TypeError('boom');
    expect(asJsonEncodeError(other)).toBe(other);
    const invalidTime = new RangeError('Invalid time value');
    expect(asJsonEncodeError(invalidTime)).toBe(invalidTime);
  });
});
