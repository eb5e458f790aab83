/** The stamp that made a request revoked: `{header: value}` as Celery logs it ("revoked by header: ..."). */
export interface StampMatch {
  header: string;
  value: unknown;
}

/**
 * Stamp values flagged by `revoke_by_stamped_headers`, as Celery's `worker_state.revoked_stamps`:
 * header name → every value flagged for it (each call appends, nothing expires). Consulted when a
 * stamped task arrives and again before it runs, as `Request.revoked()` does.
 */
export class RevokedStamps {
  private readonly byHeader = new Map<string, unknown[]>();

  /** Number of header names flagged. */
  get size(): number {
    return this.byHeader.size;
  }

  /** Appends `values` (one value or a list, `maybe_list`) to each header's flagged values. */
  add(headers: Readonly<Record<string, unknown>>): void {
    for (const [header, values] of Object.entries(headers)) {
      this.byHeader.set(header, [...(this.byHeader.get(header) ?? []), ...maybeList(values)]);
    }
  }

  /** Forgets every flagged stamp (`revoked_stamps.clear()`). */
  clear(): void {
    this.byHeader.clear();
  }

  /** The flagged values per header, in flagging order. */
  toJSON(): Record<string, unknown[]> {
    return Object.fromEntries(this.byHeader);
  }

  /**
   * Whether a request with these stamps is revoked, as `Request.revoked()`: the first of its stamped
   * headers that has flagged values decides; a list stamp matches when any element is flagged, a
   * single value when it is among the flagged values.
   */
  match(stampedHeaders: readonly string[] | null, stamps: Readonly<Record<string, unknown>>): StampMatch | null {
    for (const header of stampedHeaders ?? []) {
      const flagged = this.byHeader.get(header);
      if (flagged === undefined) continue;
      const stamp = stamps[header];
      if (Array.isArray(stamp)) {
        const hit = stamp.findIndex((v) => flagged.some((f) => pythonEquals(v, f)));
        return hit < 0 ? null : { header, value: stamp[hit] };
      }
      return flagged.some((f) => pythonEquals(stamp ?? null, f)) ? { header, value: stamp ?? null } : null;
    }
    return null;
  }
}

/** Celery's `maybe_list`: a list stays, anything else (null included) becomes a one-item list. */
export function maybeList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Python `==` on JSON values: `True == 1`, `1 == 1.0`, lists and dicts compared item by item; a
 * string never equals a number (`'4242' != 4242`).
 */
export function pythonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const na = typeof a === 'boolean' ? Number(a) : a;
    const nb = typeof b === 'boolean' ? Number(b) : b;
    return typeof na === 'number' && na === nb;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => pythonEquals(v, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const rb = b as Record<string, unknown>;
    return ka.length === Object.keys(rb).length && ka.every((k) => k in rb && pythonEquals((a as Record<string, unknown>)[k], rb[k]));
  }
  return false;
}
