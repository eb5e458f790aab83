import type { CanvasResult } from '../canvas/canvas-result';
import type { AsyncResult, GetOptions, ResultNode } from './async-result';

/** The results of a group's members (`celery.result.GroupResult`), read through each member's AsyncResult. */
export class GroupResult {
  /** The group id (`group_id` of every member message). */
  readonly id: string;
  /** One result per member, in order (a member that is itself a group is a GroupResult). */
  readonly results: Array<AsyncResult | GroupResult>;
  /** What this group follows in a chain, else null. */
  parent: ResultNode | null = null;

  constructor(id: string, results: Array<AsyncResult | GroupResult>) {
    this.id = id;
    this.results = results;
  }

  /**
   * The members' return values in order, as Python's `GroupResult.get()` (`join`): rejects with the
   * first failed member's error unless `propagate` is false (then that member's Error is in its place).
   * `timeout`/`timeoutMs` apply to each member's wait.
   */
  async get(options: GetOptions = {}): Promise<unknown[]> {
    const values: unknown[] = [];
    for (const r of this.results) values.push(await r.get(options));
    return values;
  }

  /** True once every member reached a ready state. */
  async ready(): Promise<boolean> {
    for (const r of this.results) if (!(await r.ready())) return false;
    return true;
  }

  /** How many members succeeded (Python's `completed_count`). */
  async completedCount(): Promise<number> {
    let n = 0;
    for (const r of this.results) if (r instanceof GroupResult ? await r.ready() : await r.successful()) n += 1;
    return n;
  }
}

/** The AsyncResult/GroupResult tree of a frozen canvas result, parents linked (ids only; `handle` gives a task id its AsyncResult). */
export function buildResultHandle(result: CanvasResult, handle: (taskId: string) => AsyncResult): AsyncResult | GroupResult {
  const out = result.kind === 'task' ? handle(result.id) : new GroupResult(result.id, result.results.map((r) => buildResultHandle(r, handle)));
  out.parent = result.parent ? buildResultHandle(result.parent, handle) : null;
  return out;
}
