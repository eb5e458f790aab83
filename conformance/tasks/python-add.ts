// Python's `+`, `sum()` and truthiness for the JSON values the suite's arithmetic tasks receive, so
// `add(['a'], ['b'])` concatenates and a type mismatch fails with Python's TypeError message.

/** Python's type name of a JSON value (`int`, `str`, `list`, ...), for error messages. */
export function pythonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/** `x + y` as Python evaluates it for numbers, strings and lists. */
export function pythonAdd(x: unknown, y: unknown): unknown {
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  if (typeof x === 'string' && typeof y === 'string') return x + y;
  if (Array.isArray(x) && Array.isArray(y)) return [...x, ...y];
  throw new TypeError(`unsupported operand type(s) for +: '${pythonTypeName(x)}' and '${pythonTypeName(y)}'`);
}

/** `sum(values)`: 0 plus each element, left to right. */
export function pythonSum(values: unknown): unknown {
  if (!Array.isArray(values)) throw new TypeError(`'${pythonTypeName(values)}' object is not iterable`);
  return values.reduce((acc: unknown, v: unknown) => pythonAdd(acc, v), 0);
}

/** Python's `bool(v)` for JSON values. */
export function isPythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}
