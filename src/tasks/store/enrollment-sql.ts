import { computeProgressPercentage, isCourseComplete, isDispatchClaimable } from '../progress/compute-progress';
import type { LessonCompletionInput, LessonCompletionOutcome } from '../progress/enrollment-store';
import { EnrollmentUserMismatchError, LessonNotInCourseError } from '../progress/progress-errors';
import { parseSqlTimestamp } from './parse-sql-timestamp';

/** The SQL of one lesson completion, shared by the SQLite and PostgreSQL enrollment stores (`?` placeholders). */
export const ENROLLMENT_SQL = {
  /** The enrollment with its student and course; PostgreSQL appends `FOR UPDATE OF e`. */
  selectEnrollment: `SELECT e.id, e.user_id, e.course_id, e.status, e.completed_at,
      e.completion_dispatch_claimed_at AS claimed_at, e.completion_dispatched_at AS dispatched_at,
      u.email, u.full_name, c.title AS course_title
    FROM enrollments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id
    WHERE e.id = ?`,
  lessonInCourse: 'SELECT id FROM lessons WHERE id = ? AND course_id = ?',
  insertCompletion: `INSERT INTO lesson_completions (enrollment_id, lesson_id, completed_at) VALUES (?, ?, ?)
    ON CONFLICT (enrollment_id, lesson_id) DO NOTHING`,
  /** Lessons of the course, and how many of them this enrollment completed. */
  countLessons: `SELECT CAST(COUNT(l.id) AS INTEGER) AS total, CAST(COUNT(lc.lesson_id) AS INTEGER) AS completed
    FROM lessons l LEFT JOIN lesson_completions lc ON lc.lesson_id = l.id AND lc.enrollment_id = ?
    WHERE l.course_id = ?`,
  updateEnrollment: `UPDATE enrollments SET progress_percentage = ?, status = ?, completed_at = ?,
    completion_dispatch_claimed_at = ? WHERE id = ?`,
  markDispatched: 'UPDATE enrollments SET completion_dispatched_at = ? WHERE id = ? AND completion_dispatched_at IS NULL',
} as const;

/** A row of `selectEnrollment`. */
export interface EnrollmentLockRow {
  id: string;
  user_id: string;
  course_id: string;
  status: string;
  completed_at: unknown;
  claimed_at: unknown;
  dispatched_at: unknown;
  email: string;
  full_name: string;
  course_title: string;
}

/** Refuses a completion by another user than the enrollment's student. */
export function assertEnrollmentUser(row: EnrollmentLockRow, input: LessonCompletionInput): void {
  if (String(row.user_id) !== input.userId) throw new EnrollmentUserMismatchError(input.enrollmentId, input.userId);
}

/** Refuses a lesson of another course. */
export function assertLessonFound(found: unknown, input: LessonCompletionInput, courseId: string): void {
  if (found === undefined || found === null) throw new LessonNotInCourseError(input.lessonId, courseId);
}

/**
 * Decides the enrollment's new state from what the transaction read: the percentage, completion
 * (kept once set), and whether this call takes the completion dispatch. Returns the outcome and the
 * parameters of `updateEnrollment`.
 */
export function planLessonCompletion(row: EnrollmentLockRow, counts: { total: number; completed: number }, inserted: boolean,
  input: LessonCompletionInput): { outcome: LessonCompletionOutcome; update: [number, string, Date | null, Date | null, string] } {
  const total = Number(counts.total);
  const completed = Number(counts.completed);
  const previousCompletedAt = parseSqlTimestamp(row.completed_at);
  const complete = previousCompletedAt !== null || isCourseComplete(completed, total);
  const completedAt = previousCompletedAt ?? (complete ? input.at : null);
  const claimedAt = parseSqlTimestamp(row.claimed_at);
  const claim = isDispatchClaimable({ completed: complete, dispatchedAt: parseSqlTimestamp(row.dispatched_at), claimedAt }, input.at, input.dispatchLeaseMs);
  const progress = computeProgressPercentage(completed, total);
  const outcome: LessonCompletionOutcome = {
    enrollmentId: String(row.id), courseId: String(row.course_id), courseTitle: row.course_title,
    student: { id: String(row.user_id), email: row.email, fullName: row.full_name },
    lessonNewlyCompleted: inserted, completedLessons: completed, totalLessons: total, progressPercentage: progress,
    courseCompleted: complete, completedAt, dispatchClaimed: claim,
  };
  const status = complete ? 'completed' : row.status;
  return { outcome, update: [progress, status, completedAt, claim ? input.at : claimedAt, String(row.id)] };
}
