/** What the progress family needs from the database: record a lesson, recompute, hand out the chain. */
export interface EnrollmentStore {
  /**
   * In one transaction: records `lessonId` as completed for the enrollment (a second call for the same
   * lesson changes nothing), recomputes `progress_percentage` from the completions, sets the enrollment
   * `completed` the first time it reaches 100 %, and claims the completion dispatch when it is due
   * (see `LessonCompletionOutcome.dispatchClaimed`). Concurrent calls for one enrollment serialise, so
   * no update is lost and the completion is detected once.
   *
   * Throws EnrollmentNotFoundError, EnrollmentUserMismatchError or LessonNotInCourseError.
   */
  recordLessonCompletion(input: LessonCompletionInput): Promise<LessonCompletionOutcome>;
  /** Records that the completion chain was sent, so no later call claims it again. */
  markCompletionDispatched(enrollmentId: string, at: Date): Promise<void>;
}

/** Arguments of `recordLessonCompletion`. */
export interface LessonCompletionInput {
  enrollmentId: string;
  lessonId: string;
  /** The enrollment's student; a different user is refused. */
  userId: string;
  /** Completion time (recorded on the lesson, and on the enrollment when it completes). */
  at: Date;
  /**
   * How long a dispatch claim protects its holder. A claim older than this whose chain was never
   * marked sent (the worker died in between) is handed to the next call, so a crash loses no chain.
   */
  dispatchLeaseMs: number;
}

/** The enrollment after the call. */
export interface LessonCompletionOutcome {
  enrollmentId: string;
  courseId: string;
  courseTitle: string;
  student: { id: string; email: string; fullName: string };
  /** False when the lesson was already recorded (a retry or a double click). */
  lessonNewlyCompleted: boolean;
  completedLessons: number;
  totalLessons: number;
  /** 0..100, two decimals. */
  progressPercentage: number;
  /** The enrollment is complete (by this call or an earlier one). */
  courseCompleted: boolean;
  /** When it completed, or null. */
  completedAt: Date | null;
  /**
   * This call owns sending the completion chain: it completed the course, or took over an expired
   * claim that was never marked sent. At most one caller holds a live claim.
   */
  dispatchClaimed: boolean;
}
