/** A binary min-heap ordered by a numeric key: the scheduler's "which entry is due first". */
export class MinHeap<T> {
  private readonly items: { key: number; value: T }[] = [];

  /** Number of items held. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `value` under `key`. */
  push(key: number, value: T): void {
    const items = this.items;
    items.push({ key, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.key <= items[i]!.key) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  /** The smallest key and its value, without removing it. */
  peek(): { key: number; value: T } | undefined {
    return this.items[0];
  }

  /** Removes and returns the item with the smallest key. */
  pop(): { key: number; value: T } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && items[l]!.key < items[m]!.key) m = l;
      if (r < items.length && items[r]!.key < items[m]!.key) m = r;
      if (m === i) break;
      [items[m], items[i]] = [items[i]!, items[m]!];
      i = m;
    }
    return top;
  }

  /** Removes everything. */
  clear(): void {
    this.items.length = 0;
  }
}
