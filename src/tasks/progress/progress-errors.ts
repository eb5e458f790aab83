import { TaskError } from '../../errors/celeriac-error';

/** No enrollment has this id. Python sees `EnrollmentNotFoundError`; not worth retrying. */
export class EnrollmentNotFoundError extends TaskError {
  constructor(readonly enrollmentId: string) {
    super('CELERIAC_TASK_ENROLLMENT_NOT_FOUND', `enrollment ${enrollmentId} does not exist`);
  }
}

/** The user completing the lesson is not the enrollment's student. */
export class EnrollmentUserMismatchError extends TaskError {
  constructor(readonly enrollmentId: string, readonly userId: string) {
    super('CELERIAC_TASK_ENROLLMENT_USER_MISMATCH', `enrollment ${enrollmentId} does not belong to user ${userId}`);
  }
}

/** The lesson does not exist or belongs to another course than the enrollment's. */
export class LessonNotInCourseError extends TaskError {
  constructor(readonly lessonId: string, readonly courseId: string) {
    super('CELERIAC_TASK_LESSON_NOT_IN_COURSE', `lesson ${lessonId} is not part of course ${courseId}`);
  }
}
