import { z } from 'zod';
import type { TaskContext } from '../../app/task-context';
import { TaskError } from '../../errors/celeriac-error';
import { parseTaskArguments } from '../parse-task-arguments';
import { buildStudentReport, type StudentReport } from './build-student-report';
import type { StudentReportSource } from './student-report-source';

/** Keyword names of `generate_student_report(student_id)`. */
export const generateStudentReportParams = ['student_id'] as const;
/** Arguments of `generate_student_report`. */
export const generateStudentReportArgs = z.tuple([z.union([z.string().min(1), z.number().int()]).transform(String)]);

/** No user has this id. Python sees `StudentNotFoundError`. */
export class StudentNotFoundError extends TaskError {
  constructor(readonly studentId: string) {
    super('CELERIAC_TASK_STUDENT_NOT_FOUND', `student ${studentId} does not exist`);
  }
}

/** What `createReportTasks` needs. */
export interface ReportTasksOptions {
  reports: StudentReportSource;
  now?: () => Date;
}

/** The report family's handlers. */
export interface ReportTasks {
  generateStudentReport(task: Pick<TaskContext, 'log'>, studentId: unknown): Promise<StudentReport>;
}

/** Builds `generate_student_report`: a JSON report of one student's enrollments, progress and certificates. */
export function createReportTasks(options: ReportTasksOptions): ReportTasks {
  const now = options.now ?? (() => new Date());
  return {
    async generateStudentReport(task, rawStudentId) {
      const [studentId] = parseTaskArguments('generate_student_report', generateStudentReportArgs, [rawStudentId]);
      const data = await options.reports.loadStudentReport(studentId);
      if (data === null) throw new StudentNotFoundError(studentId);
      const report = buildStudentReport(data, now());
      task.log.info({ studentId, enrollments: report.summary.enrollments }, 'student report built');
      return report;
    },
  };
}
