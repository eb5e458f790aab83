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
  | { complete: true; error: { taskId: string; state: string; exception: ExceptionInfo } };

/** Python's `ChordError` text for a failed member: `Dependency <id> raised KeyError('m')`. */
export function chordErrorMessage(error: { taskId: string; exception: ExceptionInfo }): string {
  const args = error.exception.excMessage.map((a) => (typeof a === 'string' ? `'${a.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(a)));
  return `Dependency ${error.taskId} raised ${error.exception.excType}(${args.join(', ')})`;
}
