/**
 * Loads a module again, apart from the copy the test already imported (`jest.isolateModules`), as an
 * app that imports celeriac from another place gets its own copy of every class.
 */
export function loadIsolated<T>(load: () => T): T {
  let copy: T | undefined;
  jest.isolateModules(() => { copy = load(); });
  if (copy === undefined) throw new Error('module not loaded');
  return copy;
}
