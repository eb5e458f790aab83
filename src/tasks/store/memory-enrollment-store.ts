import type { EnrollmentStore, LessonCompletionInput, LessonCompletionOutcome } from '../progress/enrollment-store';
import { EnrollmentNotFoundError } from '../progress/progress-errors';
import { assertEnrollmentUser, assertLessonFound, planLessonCompletion, type EnrollmentLockRow } from './enrollment-sql';
import { completionKey, type MemoryLmsTables } from './memory-lms-tables';

/** EnrollmentStore over MemoryLmsTables, with the SQL stores' rules (it runs the same plan). */
export class MemoryEnrollmentStore implements EnrollmentStore {
  constructor(private readonly tables: MemoryLmsTables) {}

  async recordLessonCompletion(input: LessonCompletionInput): Promise<LessonCompletionOutcome> {
    const t = this.tables;
    const e = t.enrollments.get(input.enrollmentId);
    if (!e) throw new EnrollmentNotFoundError(input.enrollmentId);
    const user = t.users.get(e.userId)!;
    const row: EnrollmentLockRow = {
      id: e.id, user_id: e.userId, course_id: e.courseId, status: e.status, completed_at: e.completedAt,
      claimed_at: e.dispatchClaimedAt, dispatched_at: e.dispatchedAt, email: user.email, full_name: user.fullName,
      course_title: t.courses.get(e.courseId)!.title,
    };
    assertEnrollmentUser(row, input);
    const lesson = t.lessons.get(input.lessonId);
    assertLessonFound(lesson?.courseId === e.courseId ? lesson : undefined, input, e.courseId);
    const key = completionKey(e.id, input.lessonId);
    const inserted = !t.lessonCompletions.has(key);
    if (inserted) t.lessonCompletions.set(key, { enrollmentId: e.id, lessonId: input.lessonId, completedAt: input.at });
    const courseLessons = [...t.lessons.values()].filter((l) => l.courseId === e.courseId);
    const completed = courseLessons.filter((l) => t.lessonCompletions.has(completionKey(e.id, l.id))).length;
    const { outcome, update: [progress, status, completedAt, claimedAt] } = planLessonCompletion(row, { total: courseLessons.length, completed }, inserted, input);
    Object.assign(e, { progressPercentage: progress, status, completedAt, dispatchClaimedAt: claimedAt });
    return outcome;
  }

  async markCompletionDispatched(enrollmentId: string, at: Date): Promise<void> {
    const e = this.tables.enrollments.get(enrollmentId);
    if (e && e.dispatchedAt === null) e.dispatchedAt = at;
  }
}
