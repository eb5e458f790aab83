import { z } from 'zod';
import type { TaskContext } from '../../app/task-context';
import { buildFollowUpTaskId } from './build-follow-up-task-id';
import type { EnrollmentStore, LessonCompletionOutcome } from './enrollment-store';
import { parseTaskArguments } from '../parse-task-arguments';
import type { TaskSender } from './task-sender';

/** An id as Python sends it (int or str), as the text the database stores. */
const entityId = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

/** Keyword names of `update_lesson_completion`, in order (the app's `params`). */
export const updateLessonCompletionParams = ['enrollment_id', 'lesson_id', 'user_id'] as const;
/** Arguments of `update_lesson_completion(enrollment_id, lesson_id, user_id)` (the app's `schema`). */
export const updateLessonCompletionArgs = z.tuple([entityId, entityId, entityId]);

/** A follow-up task the completion sends. */
export interface FollowUpTask {
  /** Registered name on the consuming side. */
  name: string;
  /** Queue to send to (default: the sender's routing). */
  queue?: string;
}

/** What `createProgressTasks` needs; everything it touches comes in here. */
export interface ProgressTasksOptions {
  enrollments: EnrollmentStore;
  /** Sends the certificate and email tasks; the app passes itself (`app.sendTask`). */
  sender: TaskSender;
  /** Default `app.tasks.certificate_tasks.generate_certificate` on `certificates`, args `[enrollment_id]`. */
  certificateTask?: FollowUpTask;
  /** Default `app.tasks.email_tasks.send_course_completion_email` on `emails`. */
  completionEmailTask?: FollowUpTask & { buildKwargs?: (outcome: LessonCompletionOutcome) => Record<string, unknown> };
  /** How long a dispatch claim protects the worker sending the chain (default 10 minutes). */
  dispatchLeaseMs?: number;
  now?: () => Date;
}

/** What `update_lesson_completion` returns (Python reads it as a dict). */
export interface LessonCompletionResult {
  enrollment_id: string;
  lesson_id: string;
  lesson_newly_completed: boolean;
  completed_lessons: number;
  total_lessons: number;
  progress_percentage: number;
  course_completed: boolean;
  /** Set only on the run that sent the certificate chain. */
  certificate_task_id: string | null;
}

/** The context a progress handler uses (a bound task's `self`). */
export type ProgressTaskContext = Pick<TaskContext, 'log'>;

/** The progress family's handlers, ready for `app.task(name, handler, { bind: true, params, schema })`. */
export interface ProgressTasks {
  updateLessonCompletion(task: ProgressTaskContext, enrollmentId: unknown, lessonId: unknown, userId: unknown): Promise<LessonCompletionResult>;
}

const DEFAULT_CERTIFICATE_TASK: FollowUpTask = { name: 'app.tasks.certificate_tasks.generate_certificate', queue: 'certificates' };
const DEFAULT_EMAIL_TASK: FollowUpTask = { name: 'app.tasks.email_tasks.send_course_completion_email', queue: 'emails' };

/** Keywords of `send_course_completion_email(email, full_name, course_title)` (src/tasks/email). */
function buildCompletionEmailKwargs(o: LessonCompletionOutcome): Record<string, unknown> {
  return { email: o.student.email, full_name: o.student.fullName, course_title: o.courseTitle };
}

/**
 * Builds the progress handlers. `update_lesson_completion` records the lesson (idempotent),
 * recomputes the percentage, and the one run that completes the course sends the certificate task
 * and the completion email, then marks the chain sent. A worker that dies in between leaves the
 * claim to expire, and the next completion call for that enrollment (the redelivered message) sends
 * the chain again under the same task ids.
 */
export function createProgressTasks(options: ProgressTasksOptions): ProgressTasks {
  const { enrollments, sender } = options;
  const certificateTask = options.certificateTask ?? DEFAULT_CERTIFICATE_TASK;
  const emailTask = options.completionEmailTask ?? DEFAULT_EMAIL_TASK;
  const buildEmailKwargs = options.completionEmailTask?.buildKwargs ?? buildCompletionEmailKwargs;
  const leaseMs = options.dispatchLeaseMs ?? 10 * 60_000;
  const now = options.now ?? (() => new Date());

  async function sendCompletionChain(outcome: LessonCompletionOutcome): Promise<string> {
    const certificateId = buildFollowUpTaskId('certificate', outcome.enrollmentId);
    await sender.sendTask(certificateTask.name, [outcome.enrollmentId], {},
      { taskId: certificateId, ...(certificateTask.queue !== undefined ? { queue: certificateTask.queue } : {}) });
    await sender.sendTask(emailTask.name, [], buildEmailKwargs(outcome),
      { taskId: buildFollowUpTaskId('course-completion-email', outcome.enrollmentId), ...(emailTask.queue !== undefined ? { queue: emailTask.queue } : {}) });
    await enrollments.markCompletionDispatched(outcome.enrollmentId, now());
    return certificateId;
  }

  return {
    // Declared parameters (not a rest) so the worker's arity check reports a missing one as Python does.
    async updateLessonCompletion(task, rawEnrollmentId, rawLessonId, rawUserId) {
      const [enrollmentId, lessonId, userId] = parseTaskArguments('update_lesson_completion',
        updateLessonCompletionArgs, [rawEnrollmentId, rawLessonId, rawUserId]);
      const outcome = await enrollments.recordLessonCompletion({ enrollmentId, lessonId, userId, at: now(), dispatchLeaseMs: leaseMs });
      task.log.info({ enrollmentId, lessonId, progress: outcome.progressPercentage, newly: outcome.lessonNewlyCompleted }, 'lesson completion recorded');
      let certificateTaskId: string | null = null;
      if (outcome.dispatchClaimed) {
        certificateTaskId = await sendCompletionChain(outcome);
        task.log.info({ enrollmentId, certificateTaskId }, 'course completed: certificate chain sent');
      }
      return {
        enrollment_id: enrollmentId, lesson_id: lessonId, lesson_newly_completed: outcome.lessonNewlyCompleted,
        completed_lessons: outcome.completedLessons, total_lessons: outcome.totalLessons,
        progress_percentage: outcome.progressPercentage, course_completed: outcome.courseCompleted,
        certificate_task_id: certificateTaskId,
      };
    },
  };
}
