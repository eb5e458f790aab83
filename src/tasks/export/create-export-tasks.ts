import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { TaskContext } from '../../app/task-context';
import type { FileStore } from '../file-store/file-store';
import { parseTaskArguments } from '../parse-task-arguments';
import type { StudentExportFilters, StudentExportRow, StudentExportSource } from './student-export-source';

/** Keyword names of `export_students_csv(filters)`. */
export const exportStudentsCsvParams = ['filters'] as const;
/** Arguments of `export_students_csv`: `filters` as the API sends it (`{course_id?, status?}`; null or missing = all). */
export const exportStudentsCsvArgs = z.tuple([
  z.strictObject({
    course_id: z.union([z.string().min(1), z.number().int()]).transform(String).optional(),
    status: z.enum(['active', 'completed', 'cancelled']).optional(),
  }).nullish().transform((f) => f ?? {}),
]);

/** The CSV's columns, in order (header row = these names). */
export const STUDENT_CSV_COLUMNS = ['student_id', 'email', 'full_name', 'phone_number', 'registered_at', 'enrollment_id', 'course_id',
  'course_title', 'status', 'progress_percentage', 'enrolled_at', 'completed_at', 'certificate_number'] as const;

/** What `export_students_csv` returns: where the file is and what it holds. */
export interface StudentExportResult {
  key: string;
  location: string;
  rows: number;
  size_bytes: number;
  content_type: 'text/csv';
  filters: { course_id?: string; status?: string };
}

/** What `createExportTasks` needs. */
export interface ExportTasksOptions {
  students: StudentExportSource;
  files: FileStore;
  /** Key prefix (default `exports`); the file is `<prefix>/students-<task id>.csv`, so a retry overwrites it. */
  keyPrefix?: string;
  /** Rows per database page (default 500). */
  pageSize?: number;
}

/** The export family's handlers. */
export interface ExportTasks {
  exportStudentsCsv(task: Pick<TaskContext, 'log' | 'signal' | 'request'>, filters?: unknown): Promise<StudentExportResult>;
}

function toCsvRecord(r: StudentExportRow): Array<string | number | null> {
  return [r.studentId, r.email, r.fullName, r.phoneNumber, r.registeredAt.toISOString(), r.enrollmentId, r.courseId, r.courseTitle,
    r.status, r.progressPercentage, r.enrolledAt?.toISOString() ?? null, r.completedAt?.toISOString() ?? null, r.certificateNumber];
}

/**
 * Builds `export_students_csv`: rows stream from the database page by page through csv-stringify
 * (RFC 4180 quoting) into the FileStore, so the export never sits in memory whole.
 */
export function createExportTasks(options: ExportTasksOptions): ExportTasks {
  const prefix = (options.keyPrefix ?? 'exports').replace(/\/+$/, '');
  const pageSize = options.pageSize ?? 500;
  return {
    async exportStudentsCsv(task, rawFilters: unknown = undefined) {
      const [filters] = parseTaskArguments('export_students_csv', exportStudentsCsvArgs, [rawFilters]);
      const sourceFilters: StudentExportFilters = {
        ...(filters.course_id !== undefined ? { courseId: filters.course_id } : {}),
        ...(filters.status !== undefined ? { status: filters.status } : {}),
      };
      let rows = 0;
      const signal = task.signal;
      const records = Readable.from((async function* () {
        for await (const row of options.students.streamStudentRows(sourceFilters, pageSize)) {
          if (signal.aborted) throw signal.reason;
          rows++;
          yield toCsvRecord(row);
        }
      })());
      const csv = stringify({ header: true, columns: [...STUDENT_CSV_COLUMNS] });
      records.on('error', (err) => csv.destroy(err));
      const key = `${prefix}/students-${task.request.id}.csv`;
      const stored = await options.files.put(key, records.pipe(csv), { contentType: 'text/csv' });
      task.log.info({ key, rows }, 'students exported');
      return { key: stored.key, location: stored.location, rows, size_bytes: stored.sizeBytes, content_type: 'text/csv', filters };
    },
  };
}
