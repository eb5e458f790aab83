import { mergeRecords } from '../../../src/worker/merge-records';

/** Own keys with their descriptors and the prototype: what a spread defines, compared exactly. */
function shape(o: object): unknown {
  return { proto: Object.getPrototypeOf(o), keys: Reflect.ownKeys(o), descriptors: Object.getOwnPropertyDescriptors(o) };
}

describe('mergeRecords', () => {
  const sym = Symbol('s');
  const cases: Array<[string, Record<PropertyKey, unknown>, Record<PropertyKey, unknown> | undefined]> = [
    ['plain keys, later wins in place', { taskId: 't', taskName: 'n', retries: 0 }, { retries: 2, runtimeMs: 1.5 }],
    ['undefined values are kept', { a: undefined, b: 1 }, { c: undefined, a: 2 }],
    ['symbol keys are copied', { [sym]: 1, a: 1 }, { b: 2 }],
    ['integer-like keys order first, as in a spread', { b: 1, 2: 'x' }, { 1: 'y', a: 3 }],
    ['no second object', { a: 1 }, undefined],
    ['own __proto__ key from JSON.parse (first)', JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as Record<string, unknown>, { b: 1 }],
    ['own __proto__ key from JSON.parse (second)', { a: 1 }, JSON.parse('{"b": 2, "__proto__": [1]}') as Record<string, unknown>],
  ];
  it.each(cases)('builds what { ...a, ...b } builds: %s', (_name, a, b) => {
    const merged = mergeRecords(a, b);
    expect(shape(merged)).toEqual(shape({ ...a, ...b }));
    expect(JSON.stringify(merged)).toBe(JSON.stringify({ ...a, ...b }));
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });

  it('copies only own enumerable keys, reading getters once, and leaves its sources alone', () => {
    let reads = 0;
    const base = Object.create({ inherited: 1 }, { hidden: { value: 1, enumerable: false }, g: { get: () => ++reads, enumerable: true } }) as Record<string, unknown>;
    const extra = { x: 1 };
    const merged = mergeRecords(base, extra);
    expect(merged).toEqual({ g: 1, x: 1 });
    expect(Object.keys(merged)).toEqual(['g', 'x']);
    expect(reads).toBe(1);
    expect(merged).not.toBe(base);
    expect(extra).toEqual({ x: 1 });
  });
});
