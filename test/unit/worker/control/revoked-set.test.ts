import { REVOKES_MAX, REVOKE_EXPIRES_SEC, RevokedSet } from '../../../../src/worker/control/revoked-set';
import { encodePythonJsonWithFloats } from '../../../../src/protocol/events/python-float';

describe('RevokedSet', () => {
  it('has Celery’s defaults', () => {
    expect(REVOKES_MAX).toBe(50000);
    expect(REVOKE_EXPIRES_SEC).toBe(10800);
  });

  it('forgets ids after expiresSec and refreshes re-added ids', () => {
    let now = 1000;
    const set = new RevokedSet({ expiresSec: 10, nowSec: () => now });
    set.add('a');
    now = 1005;
    set.add('b');
    now = 1009;
    set.add('a'); // refresh
    now = 1015;
    expect(set.isRevoked('a')).toBe(true);
    expect(set.isRevoked('b')).toBe(false);
    expect(set.isRevoked('never')).toBe(false);
    now = 1019;
    set.purge();
    expect(set.size).toBe(0);
  });

  it('keeps at most maxlen ids, dropping the oldest', () => {
    const set = new RevokedSet({ maxlen: 3, nowSec: () => 1 });
    for (const id of ['a', 'b', 'c', 'd']) set.add(id);
    expect(set.ids()).toEqual(['b', 'c', 'd']);
    expect(set.isRevoked('a')).toBe(false);
  });

  it('merges a peer’s hello map ([time, id] or bare time) and writes times as floats', () => {
    const set = new RevokedSet({ nowSec: () => 600 });
    expect(set.update({ x: [544.5, 'x'], y: 500, bad: 'nope' })).toBe(2);
    expect(set.ids()).toEqual(['y', 'x']);
    expect(encodePythonJsonWithFloats(set.toWire())).toBe('{"x": [544.5, "x"], "y": [500.0, "y"]}');
  });

  it('purge orders merged entries by time when trimming to maxlen', () => {
    const set = new RevokedSet({ maxlen: 2, expiresSec: 0, nowSec: () => 10 });
    set.update({ late: 9, early: 1 });
    set.add('now');
    set.purge();
    expect(set.ids().sort()).toEqual(['late', 'now']);
  });
});
