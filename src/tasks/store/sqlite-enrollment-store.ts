import type { EnrollmentStore, LessonCompletionInput, LessonCompletionOutcome } from '../progress/enrollment-store';
import { EnrollmentNotFoundError } from '../progress/progress-errors';
import { assertEnrollmentUser, assertLessonFound, ENROLLMENT_SQL, planLessonCompletion, type EnrollmentLockRow } from './enrollment-sql';
import type { SqliteExecutor } from './sqlite-executor';
import { toSqliteValue } from './sqlite-executor';
import { StoreError } from './store-error';
import { CeleriacError } from '../../errors/celeriac-error';

/**
 * EnrollmentStore on SQLite. Each completion is one synchronous `BEGIN IMMEDIATE` transaction: it
 * takes the database's write lock before reading, so writers in other processes (other workers, the
 * Python app) wait (busy timeout) instead of reading a count another writer is about to change; and
 * nothing else in this process runs in the middle of it.
 */
export class SqliteEnrollmentStore implements EnrollmentStore {
  constructor(private readonly sql: SqliteExecutor) {}

  async recordLessonCompletion(input: LessonCompletionInput): Promise<LessonCompletionOutcome> {
    const run = this.sql.db.transaction((): LessonCompletionOutcome => {
      const row = this.sql.prepare(ENROLLMENT_SQL.selectEnrollment).get(input.enrollmentId) as EnrollmentLockRow | undefined;
      if (!row) throw new EnrollmentNotFoundError(input.enrollmentId);
      assertEnrollmentUser(row, input);
      assertLessonFound(this.sql.prepare(ENROLLMENT_SQL.lessonInCourse).get(input.lessonId, row.course_id), input, String(row.course_id));
      const inserted = this.sql.prepare(ENROLLMENT_SQL.insertCompletion).run(input.enrollmentId, input.lessonId, input.at.toISOString()).changes === 1;
      const counts = this.sql.prepare(ENROLLMENT_SQL.countLessons).get(input.enrollmentId, row.course_id) as { total: number; completed: number };
      const { outcome, update } = planLessonCompletion(row, counts, inserted, input);
      this.sql.prepare(ENROLLMENT_SQL.updateEnrollment).run(...update.map(toSqliteValue));
      return outcome;
    });
    try {
      return run.immediate();
    } catch (err) {
      if (err instanceof CeleriacError) throw err;
      throw new StoreError('CELERIAC_STORE_QUERY_FAILED', `SQLite lesson completion failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async markCompletionDispatched(enrollmentId: string, at: Date): Promise<void> {
    await this.sql.run(ENROLLMENT_SQL.markDispatched, [at, enrollmentId]);
  }
}
