import type { EnrollmentStore, LessonCompletionInput } from '../../../../src/tasks/progress/enrollment-store';
import { EnrollmentNotFoundError, EnrollmentUserMismatchError, LessonNotInCourseError } from '../../../../src/tasks/progress/progress-errors';
import type { LmsRows } from '../../../../src/tasks/store/lms-rows';
import { buildCourseFixture } from './lms-fixtures';

/** A fresh store over an empty, migrated database; `store2` is a second connection to the same one when the backend has connections. */
export interface EnrollmentStoreHarness {
  store: EnrollmentStore;
  store2: EnrollmentStore;
  seed(rows: LmsRows): Promise<void>;
  /** progress_percentage and status as stored (read back independently of the store). */
  readEnrollment(id: string): Promise<{ progress: number; status: string; completedAt: Date | null }>;
  close(): Promise<void>;
}

const T0 = new Date('2026-03-02T09:00:00Z');
const LEASE = 60_000;

function input(lessonId: string, over: Partial<LessonCompletionInput> = {}): LessonCompletionInput {
  return { enrollmentId: 'e1', lessonId, userId: 'u1', at: T0, dispatchLeaseMs: LEASE, ...over };
}

/** The EnrollmentStore contract: every implementation behaves alike (bullmq adapter-conformance style). */
export function describeEnrollmentStoreContract(name: string, factory: () => Promise<EnrollmentStoreHarness>): void {
  describe(`EnrollmentStore contract: ${name}`, () => {
    let h: EnrollmentStoreHarness;
    beforeEach(async () => {
      h = await factory();
      await h.seed(buildCourseFixture(4));
    });
    afterEach(async () => { await h.close(); });

    it('records a lesson, recomputes the percentage, and stores it', async () => {
      const out = await h.store.recordLessonCompletion(input('l1'));
      expect(out).toEqual({
        enrollmentId: 'e1', courseId: 'c1', courseTitle: 'Analytical Engines',
        student: { id: 'u1', email: 'ada@example.com', fullName: 'Ada Lovelace' },
        lessonNewlyCompleted: true, completedLessons: 1, totalLessons: 4, progressPercentage: 25,
        courseCompleted: false, completedAt: null, dispatchClaimed: false,
      });
      expect(await h.readEnrollment('e1')).toEqual({ progress: 25, status: 'active', completedAt: null });
    });

    it('is idempotent per lesson', async () => {
      await h.store.recordLessonCompletion(input('l1'));
      const again = await h.store.recordLessonCompletion(input('l1', { at: new Date(T0.getTime() + 1000) }));
      expect(again).toMatchObject({ lessonNewlyCompleted: false, completedLessons: 1, progressPercentage: 25 });
    });

    it('rounds to two decimals', async () => {
      await h.seed({ lessons: [{ id: 'l5', courseId: 'c1', title: 'Five' }, { id: 'l6', courseId: 'c1', title: 'Six' }] });
      const out = await h.store.recordLessonCompletion(input('l1'));
      expect(out.progressPercentage).toBe(16.67);
    });

    it('completes once at 100 %, with the completion time, and claims the dispatch for that call only', async () => {
      for (const l of ['l1', 'l2', 'l3']) expect((await h.store.recordLessonCompletion(input(l))).dispatchClaimed).toBe(false);
      const at = new Date(T0.getTime() + 5000);
      const last = await h.store.recordLessonCompletion(input('l4', { at }));
      expect(last).toMatchObject({ completedLessons: 4, progressPercentage: 100, courseCompleted: true, completedAt: at, dispatchClaimed: true });
      expect(await h.readEnrollment('e1')).toEqual({ progress: 100, status: 'completed', completedAt: at });
      const replay = await h.store.recordLessonCompletion(input('l4', { at: new Date(at.getTime() + 1000) }));
      expect(replay).toMatchObject({ lessonNewlyCompleted: false, courseCompleted: true, completedAt: at, dispatchClaimed: false });
    });

    it('hands an expired, never-sent claim to the next call, and none after it is marked sent', async () => {
      for (const l of ['l1', 'l2', 'l3', 'l4']) await h.store.recordLessonCompletion(input(l));
      // The claimer died before sending: within the lease nobody else claims...
      expect((await h.store.recordLessonCompletion(input('l4', { at: new Date(T0.getTime() + LEASE - 1) }))).dispatchClaimed).toBe(false);
      // ...after it, the redelivered task does, once.
      const late = new Date(T0.getTime() + LEASE);
      expect((await h.store.recordLessonCompletion(input('l4', { at: late }))).dispatchClaimed).toBe(true);
      expect((await h.store.recordLessonCompletion(input('l4', { at: late }))).dispatchClaimed).toBe(false);
      await h.store.markCompletionDispatched('e1', late);
      const much = new Date(T0.getTime() + 10 * LEASE);
      expect((await h.store.recordLessonCompletion(input('l4', { at: much }))).dispatchClaimed).toBe(false);
    });

    it('refuses unknown enrollments, other users and lessons of other courses, changing nothing', async () => {
      await expect(h.store.recordLessonCompletion(input('l1', { enrollmentId: 'nope' }))).rejects.toBeInstanceOf(EnrollmentNotFoundError);
      await expect(h.store.recordLessonCompletion(input('l1', { userId: 'u2' }))).rejects.toBeInstanceOf(EnrollmentUserMismatchError);
      await expect(h.store.recordLessonCompletion(input('x1'))).rejects.toBeInstanceOf(LessonNotInCourseError);
      await expect(h.store.recordLessonCompletion(input('missing'))).rejects.toMatchObject({ code: 'CELERIAC_TASK_LESSON_NOT_IN_COURSE' });
      expect((await h.store.recordLessonCompletion(input('l1'))).completedLessons).toBe(1);
    });

    it('keeps enrollments apart', async () => {
      await h.store.recordLessonCompletion(input('l1'));
      const other = await h.store.recordLessonCompletion(input('l2', { enrollmentId: 'e2', userId: 'u2' }));
      expect(other).toMatchObject({ completedLessons: 1, student: { id: 'u2' } });
    });

    it('loses no update and completes once when completions race on two connections', async () => {
      await h.store.recordLessonCompletion(input('l1'));
      await h.store.recordLessonCompletion(input('l2'));
      const [a, b] = await Promise.all([
        h.store.recordLessonCompletion(input('l3')),
        h.store2.recordLessonCompletion(input('l4')),
      ]);
      expect([a.completedLessons, b.completedLessons].sort()).toEqual([3, 4]);
      expect([a.dispatchClaimed, b.dispatchClaimed].filter(Boolean)).toHaveLength(1);
      expect(await h.readEnrollment('e1')).toMatchObject({ progress: 100, status: 'completed' });
    });
  });
}
