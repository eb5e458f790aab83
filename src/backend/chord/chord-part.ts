import type { ExceptionInfo } from '../../protocol/result-meta';

// What a chord's bookkeeping records and answers, whatever stores it (Redis keys today). The worker
// depends on these, never on a store implementation.

/** One finished header member. `exception` for FAILURE/REVOKED, `result` otherwise. */
export type ChordPart =
  | { group: string; groupIndex: number | null; taskId: string; state: 'FAILURE' | 'REVOKED'; exception: ExceptionInfo }
  | { group: string; groupIndex: number | null; taskId: string; state: 'SUCCESS'; result: unknown };

/** After one member: not complete yet, complete with results in `group_index` order, or complete with a failed member. */
export type ChordPartOutcome =
  | { complete: false }
  | { complete: true; results: unknown[] }
  | { complete: true; error: { taskId: string; state: string; exception: ExceptionInfo; reason?: string } };

/**
 * What applying a chord stores besides messages (Python's `set_chord_size` and `apply_chord`): the
 * header size, and the header's GroupResult when it holds groups, so the body gets the nested shape.
 */
export interface ChordEffects {
  /** Stores the number of completions the chord waits for (`.s`). */
  setChordSize(groupId: string, size: number): Promise<void>;
  /** Saves the header GroupResult tuple (`celery-taskset-meta-<id>`, `{"result": tuple}`). */
  saveGroup(groupId: string, result: unknown): Promise<void>;
  /** The chord waits for one more result (`task.add_to_chord`: Redis `INCR .t`, which Python workers read too). */
  addToChord?(groupId: string): Promise<void>;
}

/** Python's `ChordError` text for a failed member: `Dependency <id> raised KeyError('m')`. */
export function chordErrorMessage(error: { taskId: string; exception: ExceptionInfo }): string {
  const args = error.exception.excMessage.map((a) => (typeof a === 'string' ? `'${a.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(a)));
  return `Dependency ${error.taskId} raised ${error.exception.excType}(${args.join(', ')})`;
}
