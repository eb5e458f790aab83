import { pythonEquals, RevokedStamps } from '../../../../src/worker/control/revoked-stamps';

describe('RevokedStamps', () => {
  it('appends flagged values per header, one value or a list', () => {
    const stamps = new RevokedStamps();
    stamps.add({ a: 'x' });
    stamps.add({ a: ['y', null], b: 4242 });
    expect(stamps.toJSON()).toEqual({ a: ['x', 'y', null], b: [4242] });
    expect(stamps.size).toBe(2);
    stamps.clear();
    expect(stamps.size).toBe(0);
  });

  it('matches as Request.revoked(): the first stamped header with flagged values decides', () => {
    const stamps = new RevokedStamps();
    stamps.add({ monitoring_id: ['m1', 4242], other: ['o'] });
    expect(stamps.match(['monitoring_id'], { monitoring_id: 'm1' })).toEqual({ header: 'monitoring_id', value: 'm1' });
    expect(stamps.match(['monitoring_id'], { monitoring_id: ['zz', 4242] })).toEqual({ header: 'monitoring_id', value: 4242 });
    expect(stamps.match(['monitoring_id'], { monitoring_id: '4242' })).toBeNull();
    expect(stamps.match(['unflagged', 'monitoring_id'], { unflagged: 'x', monitoring_id: 'm1' })).toEqual({ header: 'monitoring_id', value: 'm1' });
    // Python stops at the first flagged header even when it does not match
    expect(stamps.match(['monitoring_id', 'other'], { monitoring_id: 'no', other: 'o' })).toBeNull();
    expect(stamps.match(null, { monitoring_id: 'm1' })).toBeNull();
    stamps.add({ nil: [null] });
    expect(stamps.match(['nil'], { nil: null })).toEqual({ header: 'nil', value: null });
  });

  it('compares as Python ==', () => {
    expect(pythonEquals(1, true)).toBe(true);
    expect(pythonEquals(0, false)).toBe(true);
    expect(pythonEquals('1', 1)).toBe(false);
    expect(pythonEquals([1, { a: [2] }], [1, { a: [2] }])).toBe(true);
    expect(pythonEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(pythonEquals(null, undefined)).toBe(false);
  });
});
