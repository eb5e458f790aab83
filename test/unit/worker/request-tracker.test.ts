import type { TaskMessage } from '../../../src/protocol/task-message';
import type { Delivery } from '../../../src/transport/transport';
import { RequestTracker } from '../../../src/worker/request-tracker';

// The tracker only reads the task id here; a full TaskMessage is not needed.
const msg = (id: string) => ({ id, task: 'app.add' }) as unknown as TaskMessage;
const delivery = (tag: string) => ({ deliveryTag: tag, queue: 'celery' }) as unknown as Delivery;

describe('RequestTracker', () => {
  it('moves a request from phase to phase, and forgets it once removed', () => {
    const t = new RequestTracker('w@h');
    const a = t.create(msg('a'), delivery('ta'));
    const b = t.create(msg('b'), delivery('tb'));
    t.set(a, 'reserved');
    t.set(b, 'scheduled');
    expect([t.count('reserved'), t.count('scheduled'), t.count('active')]).toEqual([1, 1, 0]);
    t.set(a, 'active');
    t.set(b, 'reserved');
    expect(t.list('active')).toEqual([a]);
    expect(t.list('reserved')).toEqual([b]);
    expect(t.count('scheduled')).toBe(0);
    t.remove(a);
    expect(t.count('active')).toBe(0);
    expect(t.findById('a')).toEqual([]);
    expect(t.findById('b')).toEqual([b]);
  });

  it('keeps apart two deliveries of one message under one delivery tag (restored elsewhere while it still ran here)', () => {
    // A visibility sweep gives back a message whose run outlived the timeout; this worker pops it again
    // with the same tag. Both runs are real until each ends, so inspect and shutdown must see both.
    const t = new RequestTracker('w@h');
    const first = t.create(msg('x'), delivery('tag-x'));
    const again = t.create(msg('x'), delivery('tag-x'));
    t.set(first, 'reserved');
    t.set(first, 'active');
    t.set(again, 'reserved');
    expect(t.list('active')).toEqual([first]);
    expect(t.list('reserved')).toEqual([again]);
    t.set(again, 'active');
    expect(t.count('active')).toBe(2);
    t.remove(first);
    expect(t.list('active')).toEqual([again]);
    expect(t.findById('x')).toEqual([again]);
    t.remove(again);
    expect(t.count('active')).toBe(0);
    expect(t.findById('x')).toEqual([]);
  });

  it('ignores the removal of a request it never tracked, and a second removal', () => {
    const t = new RequestTracker('w@h');
    const held = t.create(msg('y'), delivery('tag-y'));
    const refused = t.create(msg('y'), delivery('tag-y'));
    t.set(held, 'active');
    t.remove(refused);
    t.remove(refused);
    expect(t.list('active')).toEqual([held]);
    expect(t.findById('y')).toEqual([held]);
    t.remove(held);
    t.remove(held);
    expect(t.count('active')).toBe(0);
  });

  it('lists a phase oldest first', () => {
    const t = new RequestTracker('w@h');
    const reqs = ['p', 'q', 'r'].map((id) => t.create(msg(id), delivery(`t-${id}`)));
    for (const r of reqs) t.set(r, 'reserved');
    t.set(reqs[0]!, 'active');
    t.set(reqs[0]!, 'reserved');
    expect(t.list('reserved').map((r) => r.msg.id)).toEqual(['q', 'r', 'p']);
  });
});
