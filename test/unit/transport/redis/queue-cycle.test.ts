import { QueueCycle } from '../../../../src/transport/redis/queue-cycle';

describe('QueueCycle (kombu round robin)', () => {
  it('starts in the order given, without duplicates', () => {
    const c = new QueueCycle(['emails', 'progress', 'emails']);
    expect(c.queues()).toEqual(['emails', 'progress']);
    expect(c.snapshot()).toEqual(['emails', 'progress']);
    expect(c.size).toBe(2);
  });

  it('moves the queue that yielded to the end of the cycle, not of the given order', () => {
    const c = new QueueCycle(['a', 'b', 'c']);
    c.rotate('a');
    expect(c.snapshot()).toEqual(['b', 'c', 'a']);
    c.rotate('c');
    expect(c.snapshot()).toEqual(['b', 'a', 'c']);
    expect(c.queues()).toEqual(['a', 'b', 'c']);
    c.rotate('unknown');
    expect(c.snapshot()).toEqual(['b', 'a', 'c']);
  });

  it('hands out snapshots that later rotations do not change', () => {
    const c = new QueueCycle(['a', 'b']);
    const sent = c.snapshot();
    c.rotate('a');
    expect(sent).toEqual(['a', 'b']);
  });

  it('adds at the end and removes from both orders, reporting whether anything changed', () => {
    const c = new QueueCycle(['a', 'b']);
    c.rotate('a');
    expect(c.add('c')).toBe(true);
    expect(c.add('a')).toBe(false);
    expect(c.snapshot()).toEqual(['b', 'a', 'c']);
    expect(c.remove('a')).toBe(true);
    expect(c.remove('a')).toBe(false);
    expect(c.snapshot()).toEqual(['b', 'c']);
    expect(c.queues()).toEqual(['b', 'c']);
    expect(c.remove('b') && c.remove('c')).toBe(true);
    expect(c.size).toBe(0);
  });
});
