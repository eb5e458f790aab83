/**
 * `{ ...a, ...b }`: the own enumerable keys of both (symbols included, `b` winning, in the same key
 * order, undefined values kept), built by Object.assign. On Node 20 an object made by a leading
 * spread costs about 1 µs for each key added to it afterwards, by a later spread or an assignment
 * (measured: `{ ...a, x }` ~0.9 µs, `Object.assign({}, a, { x })` ~80 ns). Assignment differs from a
 * spread only for an own `__proto__` key (JSON.parse makes one), which the prototype setter would
 * take: then the objects are spread, as `buildOutgoing` does for Redis publishes.
 */
export function mergeRecords<A extends object, B extends object = Record<never, never>>(a: A, b?: B): A & B {
  if (Object.hasOwn(a, '__proto__') || (b !== undefined && Object.hasOwn(b, '__proto__'))) return { ...a, ...b } as A & B;
  return Object.assign({}, a, b);
}
