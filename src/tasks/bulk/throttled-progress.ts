/** What a progress report carries: Python reads `info['current']` / `info['total']`. */
export interface ProgressMeta {
  current: number;
  total: number;
  [key: string]: unknown;
}

/** Options of ThrottledProgress. */
export interface ThrottledProgressOptions {
  total: number;
  /** Stores the state, e.g. `(meta) => task.updateState('PROGRESS', meta)`. */
  report: (meta: ProgressMeta) => Promise<void>;
  /** Report at least every this many items (default 10). */
  everyItems?: number;
  /** ...or when this much time passed since the last report (default 200 ms). */
  everyMs?: number;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

/**
 * Reports `PROGRESS` as a batch advances without writing the result backend for every item: when
 * `everyItems` items or `everyMs` passed since the last report, and always for the last item.
 */
export class ThrottledProgress {
  private lastCurrent = 0;
  private reported = false;
  private lastAt: number;
  private readonly everyItems: number;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ThrottledProgressOptions) {
    this.everyItems = Math.max(1, options.everyItems ?? 10);
    this.everyMs = options.everyMs ?? 200;
    this.now = options.now ?? Date.now;
    this.lastAt = this.now();
  }

  /** Reports `current` (items done so far) when due; `extra` is merged into the meta. */
  async advance(current: number, extra: Record<string, unknown> = {}): Promise<void> {
    const at = this.now();
    const due = current >= this.options.total || current - this.lastCurrent >= this.everyItems || at - this.lastAt >= this.everyMs;
    if (!due || (this.reported && current === this.lastCurrent)) return;
    this.reported = true;
    this.lastCurrent = current;
    this.lastAt = at;
    await this.options.report({ ...extra, current, total: this.options.total });
  }
}
