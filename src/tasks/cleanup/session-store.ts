/** The login sessions table, as far as maintenance touches it. */
export interface SessionStore {
  /** Deletes sessions whose `expires_at` is before `now`; resolves with how many were deleted. */
  deleteExpiredSessions(now: Date): Promise<number>;
}
