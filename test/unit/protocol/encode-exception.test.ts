import { ProtocolError } from '../../../src/errors/celeriac-error';
import { decodeException, encodeException, exceptionRepr, formatTraceback } from '../../../src/protocol';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}
class CardExpired extends Error {}
class KeyError extends Error {
  override name = 'KeyError';
}

function named(name: string, message = 'm'): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

describe('encodeException', () => {
  it.each<[Error, string, string]>([
    [new TypeError('t'), 'TypeError', 'builtins'],
    [new RangeError('r'), 'ValueError', 'builtins'],
    [new SyntaxError('s'), 'ValueError', 'builtins'],
    [new ReferenceError('x is not defined'), 'NameError', 'builtins'],
    [new EvalError('e'), 'ValueError', 'builtins'],
    [new URIError('u'), 'ValueError', 'builtins'],
    [new Error('plain'), 'Exception', 'builtins'],
    [new KeyError('k'), 'KeyError', 'builtins'],
    [named('TimeoutError'), 'TimeoutError', 'builtins'],
    [new PaymentDeclinedError('card'), 'PaymentDeclinedError', 'celeriac.tasks'],
    [named('SoftTimeLimitExceeded'), 'SoftTimeLimitExceeded', 'billiard.exceptions'],
    [named('NotRegistered'), 'NotRegistered', 'celery.exceptions'],
    [named('Retry'), 'Retry', 'celery.exceptions'],
    [named('WorkerLostError'), 'WorkerLostError', 'billiard.exceptions'],
    [named('AbortError'), 'AbortError', 'celeriac.tasks'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ConnectionRefusedError', 'builtins'],
    [new ProtocolError('CELERIAC_PROTOCOL_BAD_BODY', 'x'), 'ProtocolError', 'celeriac.errors'],
    [named('not a name!'), 'Exception', 'builtins'],
    [new CardExpired('unnamed subclass'), 'CardExpired', 'celeriac.tasks'],
  ])('%p → %s in %s', (err, type, module) => {
    expect(encodeException(err)).toEqual({ excType: type, excMessage: [err.message], excModule: module });
  });

  it('honours pythonType/pythonModule/pythonArgs overrides and keeps only JSON-able args', () => {
    const err = Object.assign(new Error('x'), { pythonType: 'HTTPError', pythonModule: 'requests.exceptions', pythonArgs: ['404', 2, { a: 1 }, 3n] });
    expect(encodeException(err)).toEqual({ excType: 'HTTPError', excMessage: ['404', 2, { a: 1 }, '3'], excModule: 'requests.exceptions' });
  });

  it('handles non-Error throwables and empty messages', () => {
    expect(encodeException('boom')).toEqual({ excType: 'Exception', excMessage: ['boom'], excModule: 'builtins' });
    expect(encodeException({ code: 1 })).toEqual({ excType: 'Exception', excMessage: ['{"code":1}'], excModule: 'builtins' });
    expect(encodeException(undefined)).toEqual({ excType: 'Exception', excMessage: ['undefined'], excModule: 'builtins' });
    expect(encodeException(new Error())).toEqual({ excType: 'Exception', excMessage: [], excModule: 'builtins' });
  });
});

describe('formatTraceback', () => {
  it('looks like a Python traceback: header, frames oldest first, qualified type and message', () => {
    function inner(): never { throw new PaymentDeclinedError('card 42 declined'); }
    let caught: unknown;
    try { inner(); } catch (err) { caught = err; }
    const text = formatTraceback(caught);
    expect(text.startsWith('Traceback (most recent call last):\n  File "')).toBe(true);
    expect(text).toMatch(/  File "[^"]*encode-exception\.test\.ts", line \d+, in inner\nceleriac\.tasks\.PaymentDeclinedError: card 42 declined\n$/);
    expect(text).not.toMatch(/node:internal/);
    expect(text.endsWith('celeriac.tasks.PaymentDeclinedError: card 42 declined\n')).toBe(true);
  });

  it('prints builtins unqualified, a cause chain first, and a bare type for an empty message', () => {
    const err = new TypeError('outer', { cause: new RangeError('inner') });
    const text = formatTraceback(err);
    expect(text).toMatch(/ValueError: inner\n\nThe above exception was the direct cause of the following exception:\n\nTraceback/);
    expect(text.endsWith('TypeError: outer\n')).toBe(true);
    expect(formatTraceback(new Error()).endsWith('\nException\n')).toBe(true);
    expect(formatTraceback('text')).toBe('Traceback (most recent call last):\nException: text\n');
  });
});

describe('exceptionRepr / decodeException', () => {
  it('writes Python reprs', () => {
    expect(exceptionRepr({ excType: 'ValueError', excMessage: ['boom'], excModule: 'builtins' })).toBe("ValueError('boom')");
    expect(exceptionRepr({ excType: 'KeyError', excMessage: ["it's", 2], excModule: 'builtins' })).toBe('KeyError("it\'s", 2)');
    expect(exceptionRepr({ excType: 'Ignore', excMessage: [], excModule: 'celery.exceptions' })).toBe('Ignore()');
  });

  it('builds a JS Error named after the Python class', () => {
    const err = decodeException({ excType: 'KeyError', excMessage: ['missing 7'], excModule: 'builtins' });
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.pythonModule, err.pythonArgs]).toEqual(['KeyError', 'missing 7', 'builtins', ['missing 7']]);
    expect(decodeException({ excType: 'E', excMessage: ['a', 1], excModule: 'm' }).message).toBe("('a', 1)");
    expect(encodeException(decodeException({ excType: 'HTTPError', excMessage: ['x', 1], excModule: 'requests' })))
      .toEqual({ excType: 'HTTPError', excMessage: ['x', 1], excModule: 'requests' });
  });
});
