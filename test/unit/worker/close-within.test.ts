import { closeWithin } from '../../../src/worker/close-within';
import type { Clock } from '../../../src/worker/clock';

/** A clock whose timers fire only when the test says so. */
function manualClock(): Clock & { fire(): void; armed(): number } {
  const timers = new Set<() => void>();
  return {
    now: () => 0,
    setTimer: (fn) => { timers.add(fn); return () => { timers.delete(fn); }; },
    fire: () => { for (const fn of [...timers]) { timers.delete(fn); fn(); } },
    armed: () => timers.size,
  };
}

function recordingLog(): { warn: (o: object, msg: string) => void; lines: Array<{ o: object; msg: string }> } {
  const lines: Array<{ o: object; msg: string }> = [];
  return { lines, warn: (o, msg) => { lines.push({ o, msg }); } };
}

describe('closeWithin', () => {
  it('resolves with the step and cancels its timer', async () => {
    const clock = manualClock();
    const log = recordingLog();
    await closeWithin(Promise.resolve(), 5000, clock, log, 'close broker connection');
    expect(clock.armed()).toBe(0);
    expect(log.lines).toEqual([]);
  });

  it('gives up on a step that never ends once the bound expires, and says so', async () => {
    const clock = manualClock();
    const log = recordingLog();
    const hung = new Promise<void>(() => undefined);
    const done = closeWithin(hung, 5000, clock, log, 'stop consuming');
    let finished = false;
    void done.then(() => { finished = true; });
    await Promise.resolve();
    expect(finished).toBe(false);
    clock.fire();
    await done;
    expect(log.lines).toEqual([{ o: { step: 'stop consuming', timeoutMs: 5000 }, msg: 'shutdown step timed out; continuing without it' }]);
  });

  it('logs a failed step instead of throwing', async () => {
    const log = recordingLog();
    await closeWithin(Promise.reject(new Error('socket closed')), 5000, manualClock(), log, 'close result backend');
    expect(log.lines[0]?.msg).toBe('shutdown step failed');
  });

  it('accepts a missing step', async () => {
    await expect(closeWithin(undefined, 1, manualClock(), recordingLog(), 'x')).resolves.toBeUndefined();
  });
});
