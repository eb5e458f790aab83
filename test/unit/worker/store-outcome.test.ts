import { BackendError, ProtocolError } from '../../../src/errors/celeriac-error';
import { JsonEncodeError } from '../../../src/protocol/json-encode-error';
import { classifyStoreFailure, encodeErrorInfo, isStored, storeRetryDelayMs } from '../../../src/worker/store-outcome';

describe('store outcomes', () => {
  it('sorts store errors by what a retry could do', () => {
    expect(classifyStoreFailure(new JsonEncodeError('too-deep', 'x'))).toBe('encode');
    expect(classifyStoreFailure(new ProtocolError('CELERIAC_PROTOCOL_ENCODE', 'x'))).toBe('encode');
    expect(classifyStoreFailure(new TypeError('Do not know how to serialize a BigInt'))).toBe('encode');
    expect(classifyStoreFailure(new BackendError('CELERIAC_BACKEND_REFUSED', 'x'))).toBe('refused');
    expect(classifyStoreFailure(new BackendError('CELERIAC_BACKEND_CLOSED', 'x'))).toBe('closed');
    expect(classifyStoreFailure(new BackendError('CELERIAC_BACKEND_IO', 'x'))).toBe('transient');
    expect(classifyStoreFailure(new BackendError('CELERIAC_BACKEND_CONNECT', 'x'))).toBe('transient');
    expect(classifyStoreFailure(new Error('Connection is closed.'))).toBe('transient');
  });

  it('waits as Celery: full jitter below min(max, base * 2^retry)', () => {
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4].map((r) => storeRetryDelayMs(policy, r, () => 0.99999))).toEqual([200, 400, 800, 1000]);
    expect(storeRetryDelayMs(policy, 3, () => 0)).toBe(0);
  });

  it('only an unstored outcome forbids the ack', () => {
    expect(isStored({ kind: 'stored', written: false })).toBe(true);
    expect(isStored({ kind: 'disabled' })).toBe(true);
    expect(isStored({ kind: 'replaced', exception: { excType: 'EncodeError', excMessage: [], excModule: 'kombu.exceptions' }, cause: new Error('x') })).toBe(true);
    expect(isStored({ kind: 'unstored', error: new Error('down') })).toBe(false);
  });

  it("names the V8 limit when no result_max_bytes applied", () => {
    expect(encodeErrorInfo(new JsonEncodeError('too-large', 'value is too large to encode: Invalid string length'), 'encode', null).excMessage)
      .toEqual(['result is too large to encode: value is too large to encode: Invalid string length']);
  });
});
