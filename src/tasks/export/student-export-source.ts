/** Which rows `export_students_csv(filters)` exports. */
export interface StudentExportFilters {
  /** Only enrollments in this course. */
  courseId?: string;
  /** Only enrollments with this status. */
  status?: 'active' | 'completed' | 'cancelled';
}

/** One CSV row: a student and one of their enrollments (course fields null for a student without any, when unfiltered). */
export interface StudentExportRow {
  studentId: string;
  email: string;
  fullName: string;
  phoneNumber: string | null;
  registeredAt: Date;
  enrollmentId: string | null;
  courseId: string | null;
  courseTitle: string | null;
  status: string | null;
  progressPercentage: number | null;
  enrolledAt: Date | null;
  completedAt: Date | null;
  certificateNumber: string | null;
}

/** Reads the export's rows in a stable order (student id, then enrollment id), page by page. */
export interface StudentExportSource {
  /** Yields every matching row once; reads `pageSize` rows at a time so memory stays flat. */
  streamStudentRows(filters: StudentExportFilters, pageSize: number): AsyncIterable<StudentExportRow>;
}
