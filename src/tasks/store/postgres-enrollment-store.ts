import type { EnrollmentStore, LessonCompletionInput, LessonCompletionOutcome } from '../progress/enrollment-store';
import { EnrollmentNotFoundError } from '../progress/progress-errors';
import { assertEnrollmentUser, assertLessonFound, ENROLLMENT_SQL, planLessonCompletion, type EnrollmentLockRow } from './enrollment-sql';
import { queryPostgres, type PostgresExecutor } from './postgres-executor';

/**
 * EnrollmentStore on PostgreSQL. Each completion is one transaction that first locks the enrollment
 * row (`SELECT ... FOR UPDATE`): concurrent completions of one enrollment run one after the other,
 * and under READ COMMITTED each later statement sees what the previous holder committed, so the
 * count is never stale and only one transaction sees the enrollment become complete.
 */
export class PostgresEnrollmentStore implements EnrollmentStore {
  constructor(private readonly sql: PostgresExecutor) {}

  recordLessonCompletion(input: LessonCompletionInput): Promise<LessonCompletionOutcome> {
    return this.sql.transaction(async (client) => {
      const { rows } = await queryPostgres<EnrollmentLockRow>(client, `${ENROLLMENT_SQL.selectEnrollment} FOR UPDATE OF e`, [input.enrollmentId]);
      const row = rows[0];
      if (!row) throw new EnrollmentNotFoundError(input.enrollmentId);
      assertEnrollmentUser(row, input);
      const lesson = await queryPostgres(client, ENROLLMENT_SQL.lessonInCourse, [input.lessonId, row.course_id]);
      assertLessonFound(lesson.rows[0], input, String(row.course_id));
      const inserted = (await queryPostgres(client, ENROLLMENT_SQL.insertCompletion, [input.enrollmentId, input.lessonId, input.at])).rowCount === 1;
      const counts = (await queryPostgres<{ total: number; completed: number }>(client, ENROLLMENT_SQL.countLessons, [input.enrollmentId, row.course_id])).rows[0]!;
      const { outcome, update } = planLessonCompletion(row, counts, inserted, input);
      await queryPostgres(client, ENROLLMENT_SQL.updateEnrollment, update);
      return outcome;
    });
  }

  async markCompletionDispatched(enrollmentId: string, at: Date): Promise<void> {
    await this.sql.run(ENROLLMENT_SQL.markDispatched, [at, enrollmentId]);
  }
}
