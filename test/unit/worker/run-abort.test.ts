import { RunAbort } from '../../../src/worker/run-abort';

describe('RunAbort', () => {
  it('is not aborted until abort(), and then reports the reason without a signal ever being made', () => {
    const a = new RunAbort();
    expect(a.aborted).toBe(false);
    expect(a.reason).toBeUndefined();
    const why = new Error('terminated');
    a.abort(why);
    expect(a.aborted).toBe(true);
    expect(a.reason).toBe(why);
  });

  it('gives a signal made after abort() the same reason, already aborted', () => {
    const a = new RunAbort();
    a.abort('returned');
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe('returned');
  });

  it('aborts a signal read before abort(), firing its listeners once', () => {
    const a = new RunAbort();
    const { signal } = a;
    const seen: unknown[] = [];
    signal.addEventListener('abort', () => seen.push(signal.reason));
    a.abort('first');
    a.abort('second');
    expect(seen).toEqual(['first']);
    expect(a.reason).toBe('first');
    expect(a.signal).toBe(signal);
  });

  it('without a reason, reads back the AbortError an AbortController gives', () => {
    const a = new RunAbort();
    a.abort();
    expect(a.aborted).toBe(true);
    expect((a.reason as Error).name).toBe('AbortError');
    expect(a.signal.reason).toBe(a.reason);
  });
});
