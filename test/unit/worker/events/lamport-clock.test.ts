import { LamportClock } from '../../../../src/worker/events/lamport-clock';

describe('LamportClock', () => {
  it('forwards by one and adjusts to max(local, other) + 1, as kombu', () => {
    const clock = new LamportClock();
    expect(clock.value).toBe(0);
    expect(clock.forward()).toBe(1);
    expect(clock.adjust(10)).toBe(11);
    expect(clock.adjust(3)).toBe(12);
    expect(clock.adjust(undefined)).toBe(13);
    expect(clock.value).toBe(13);
  });
});
