/**
 * Makes `value instanceof cls` hold for instances made by another copy of this module (an app that
 * imports celeriac from its sources or from another install while the worker runs its own build),
 * as long as both copies mark the class under the same `name`: the mark is a global symbol
 * (`Symbol.for`) on the class's prototype, so subclasses' instances carry it too. A subclass that is
 * not marked itself keeps JavaScript's usual prototype-chain check.
 */
export function markClassAcrossCopies(cls: abstract new (...args: never[]) => object, name: string): void {
  const mark = Symbol.for(`celeriac.${name}`);
  Object.defineProperty(cls.prototype, mark, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark] === true;
    },
  });
}
