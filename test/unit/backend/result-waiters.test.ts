import { ResultWaiters } from '../../../src/backend/result-waiters';
import { BackendError } from '../../../src/errors/celeriac-error';
import type { ResultMeta } from '../../../src/protocol/result-meta';

const meta = (taskId: string): ResultMeta => ({ taskId, status: 'SUCCESS', result: 1, traceback: null, children: [], dateDone: new Date(0) });

describe('ResultWaiters', () => {
  beforeEach(() => { jest.useFakeTimers(); });
  afterEach(() => { jest.useRealTimers(); });

  it('settles every waiter of a channel and reports first/last through the hooks', async () => {
    const events: string[] = [];
    const waiters = new ResultWaiters({ onFirstWaiter: (c) => events.push(`first ${c}`), onLastWaiterGone: (c) => events.push(`gone ${c}`) });
    const a1 = waiters.add('a', 'A', 1000);
    const a2 = waiters.add('a', 'A', 1000);
    const b = waiters.add('b', 'B', 1000);
    expect(waiters.size).toBe(3);
    expect(waiters.settle('a', meta('A'))).toBe(2);
    await expect(a1.promise).resolves.toEqual(meta('A'));
    await expect(a2.promise).resolves.toEqual(meta('A'));
    expect(waiters.channels()).toEqual(['b']);
    expect(waiters.settle('a', meta('A'))).toBe(0);
    b.fail(new Error('gone'));
    await expect(b.promise).rejects.toThrow('gone');
    expect(events).toEqual(['first a', 'first b', 'gone a', 'gone b']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('times out one waiter without disturbing the others', async () => {
    const waiters = new ResultWaiters();
    const short = waiters.add('a', 'A', 100);
    const long = waiters.add('a', 'A', 5000);
    jest.advanceTimersByTime(100);
    await expect(short.promise).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_TIMEOUT', message: expect.stringContaining('task A') });
    expect(waiters.size).toBe(1);
    waiters.settle('a', meta('A'));
    await expect(long.promise).resolves.toMatchObject({ taskId: 'A' });
  });

  it('rejects everyone on rejectAll and clears the timers', async () => {
    const waiters = new ResultWaiters();
    const all = [waiters.add('a', 'A', 100), waiters.add('b', 'B', 100)];
    waiters.rejectAll(new BackendError('CELERIAC_BACKEND_CLOSED', 'closed'));
    for (const w of all) await expect(w.promise).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
    expect(jest.getTimerCount()).toBe(0);
    expect(waiters.size).toBe(0);
  });
});
