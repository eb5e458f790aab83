/** Percentage of lessons completed, 0..100 with two decimals; 0 for a course without lessons. */
export function computeProgressPercentage(completedLessons: number, totalLessons: number): number {
  if (totalLessons <= 0) return 0;
  const ratio = Math.min(completedLessons, totalLessons) / totalLessons;
  return Math.round(ratio * 10000) / 100;
}

/** A course is complete when it has lessons and every one of them is completed. */
export function isCourseComplete(completedLessons: number, totalLessons: number): boolean {
  return totalLessons > 0 && completedLessons >= totalLessons;
}

/**
 * Whether a call may take the completion dispatch: the course is complete, the chain was not marked
 * sent, and nobody holds a claim younger than the lease.
 */
export function isDispatchClaimable(state: { completed: boolean; dispatchedAt: Date | null; claimedAt: Date | null }, now: Date, leaseMs: number): boolean {
  if (!state.completed || state.dispatchedAt !== null) return false;
  return state.claimedAt === null || now.getTime() - state.claimedAt.getTime() >= leaseMs;
}
