import type { SignatureWire } from '../protocol/task-message';
import { appendListOption, asWire, cloneWire, kwargsOf, tasksOf, typeOf } from './wire-signature';

/**
 * `sig.link(callback)` for every canvas type, as `celery.canvas` does it: a task or a chain keeps
 * the callback in its own `link` option (a chain hands it to its last task when applied), a group
 * links its first member with an immutable copy, a chord links its body. Changes `w` in place.
 */
export function linkOn(w: SignatureWire, callback: SignatureWire): void {
  const type = typeOf(w);
  if (type === 'group') {
    const members = tasksOf(w);
    const first = members[0];
    // group.link: `sig.clone().set(immutable=True)` (the flag, not an option) on the first member only
    if (first) linkOn(first, { ...cloneWire(callback), immutable: true });
    kwargsOf(w).tasks = members;
    return;
  }
  if (type === 'chord') {
    const body = kwargsOf(w).body;
    if (body) linkOn(asWire(body, 'chord.kwargs.body'), callback);
    return;
  }
  appendListOption(w, 'link', callback);
}
