import { ManualClock } from '../../../src/testing/manual-clock';

describe('ManualClock', () => {
  it('fires due timers in time order, each at its own instant, including ones set while advancing', () => {
    const clock = new ManualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 200);
    clock.setTimer(() => {
      fired.push(['a', clock.now()]);
      clock.setTimer(() => fired.push(['a2', clock.now()]), 50);
    }, 100);
    const cancel = clock.setTimer(() => fired.push(['cancelled', clock.now()]), 150);
    clock.setTimer(() => fired.push(['late', clock.now()]), 500);
    cancel();
    clock.advance(300);
    expect(fired).toEqual([['a', 1_100], ['a2', 1_150], ['b', 1_200]]);
    expect(clock.now()).toBe(1_300);
    expect(clock.pendingTimers()).toEqual([1_500]);
    clock.advanceTo(new Date(1_000));
    expect(clock.now()).toBe(1_300);
  });
});
