/** One node of the compiled paths: censor the value here, or look further down by key. */
interface Rule {
  censor: boolean;
  children: Map<string, Rule>;
  /** Applies to every key not listed in `children` (those already include it, merged in). */
  wildcard: Rule | null;
}

/** Hides the values at a fixed set of paths of log records, copying only what it changes. */
export interface LogRedactor {
  /**
   * A record or a child logger's bindings, at pino's `formatters` stage: every path applies except
   * those under `err`, which pino serializes only afterwards (see `error`). Returns the same object
   * when nothing matched.
   */
  record(obj: Record<string, unknown>): Record<string, unknown>;
  /** The serialized `err` of a record, with the paths under `err` applied. */
  error(serialized: unknown): unknown;
  /** A `%o`/`%j` argument of a log call: every path applies, `err` included. */
  value(arg: unknown): unknown;
}

function emptyRule(): Rule {
  return { censor: false, children: new Map(), wildcard: null };
}

function merge(into: Rule, from: Rule): void {
  if (from.censor) into.censor = true;
  for (const [key, child] of from.children) {
    const target = into.children.get(key) ?? emptyRule();
    merge(target, child);
    into.children.set(key, target);
  }
  if (from.wildcard) {
    into.wildcard ??= emptyRule();
    merge(into.wildcard, from.wildcard);
  }
}

/** Folds each rule's wildcard into its literal children, so a key needs one lookup. */
function fold(rule: Rule): void {
  if (rule.wildcard) {
    for (const child of rule.children.values()) merge(child, rule.wildcard);
    fold(rule.wildcard);
  }
  for (const child of rule.children.values()) fold(child);
}

/**
 * Compiles pino-style redaction paths (`a.b`, `*.b`, `a.*.c`: dot-separated keys, `*` any key) into
 * one pass over a record's own keys: a key with no rule is skipped without reading its value, so a
 * record of plain fields costs a map lookup per key. A matched value is replaced by `censor` in a
 * shallow copy of each object on the way down; the logged object itself is never modified. Arrays
 * are not descended (a key path names no array element), and an object with `toJSON` is redacted
 * in what `toJSON` returns, which is what JSON.stringify would write.
 */
export function buildLogRedactor(paths: readonly string[], censor: string): LogRedactor {
  const root = emptyRule();
  for (const path of paths) {
    let at = root;
    for (const key of path.split('.')) {
      if (key === '*') at = (at.wildcard ??= emptyRule());
      else {
        let next = at.children.get(key);
        if (!next) at.children.set(key, (next = emptyRule()));
        at = next;
      }
    }
    at.censor = true;
  }
  fold(root);
  const errRule = root.children.get('err') ?? root.wildcard;

  const apply = (value: unknown, rule: Rule): unknown => {
    if (rule.censor) return censor;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const plain = (toJSON as () => unknown).call(value);
      return plain === value ? value : apply(plain, rule);
    }
    return applyKeys(value as Record<string, unknown>, rule, null);
  };

  const applyKeys = (obj: Record<string, unknown>, rule: Rule, skip: string | null): Record<string, unknown> => {
    let copy: Record<string, unknown> | null = null;
    for (const key in obj) {
      if (key === skip || !Object.prototype.hasOwnProperty.call(obj, key)) continue;
      const child = rule.children.get(key) ?? rule.wildcard;
      if (!child) continue;
      const v = obj[key];
      if (v === undefined) continue;
      const out = apply(v, child);
      if (out !== v) {
        copy ??= { ...obj };
        copy[key] = out;
      }
    }
    return copy ?? obj;
  };

  return {
    record: (obj) => applyKeys(obj, root, 'err'),
    error: (serialized) => (errRule && serialized !== undefined ? apply(serialized, errRule) : serialized),
    value: (arg) => apply(arg, root),
  };
}
