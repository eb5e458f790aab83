import type { StudentExportFilters, StudentExportRow, StudentExportSource } from '../export/student-export-source';
import type { StudentReportData, StudentReportSource } from '../report/student-report-source';
import { parseRequiredSqlTimestamp, parseSqlTimestamp } from './parse-sql-timestamp';
import type { SqlExecutor, SqlValue } from './sql-executor';

interface ExportSqlRow {
  student_id: string; email: string; full_name: string; phone_number: string | null; registered_at: unknown;
  enrollment_id: string | null; course_id: string | null; course_title: string | null; status: string | null;
  progress_percentage: number | null; enrolled_at: unknown; completed_at: unknown; certificate_number: string | null;
}

/** StudentReportSource and StudentExportSource over the shared database, one SQL text for both dialects. */
export class SqlStudentQueries implements StudentReportSource, StudentExportSource {
  constructor(private readonly sql: SqlExecutor) {}

  async loadStudentReport(studentId: string): Promise<StudentReportData | null> {
    const user = await this.sql.get<{ id: string; email: string; full_name: string; phone_number: string | null; created_at: unknown }>(
      'SELECT id, email, full_name, phone_number, created_at FROM users WHERE id = ?', [studentId]);
    if (!user) return null;
    const enrollments = await this.sql.all<{ id: string; course_id: string; title: string; status: string; progress_percentage: number;
      completed: number; total: number; enrolled_at: unknown; completed_at: unknown; }>(
      `SELECT e.id, e.course_id, c.title, e.status, e.progress_percentage, e.enrolled_at, e.completed_at,
        (SELECT CAST(COUNT(*) AS INTEGER) FROM lesson_completions lc JOIN lessons l ON l.id = lc.lesson_id
          WHERE lc.enrollment_id = e.id AND l.course_id = e.course_id) AS completed,
        (SELECT CAST(COUNT(*) AS INTEGER) FROM lessons l WHERE l.course_id = e.course_id) AS total
      FROM enrollments e JOIN courses c ON c.id = e.course_id WHERE e.user_id = ? ORDER BY e.enrolled_at, e.id`, [studentId]);
    const certificates = await this.sql.all<{ id: string; enrollment_id: string; title: string; certificate_number: string; issued_at: unknown }>(
      `SELECT ce.id, ce.enrollment_id, c.title, ce.certificate_number, ce.issued_at FROM certificates ce
        JOIN enrollments e ON e.id = ce.enrollment_id JOIN courses c ON c.id = e.course_id
        WHERE e.user_id = ? ORDER BY ce.issued_at, ce.id`, [studentId]);
    return {
      student: { id: user.id, email: user.email, fullName: user.full_name, phoneNumber: user.phone_number, createdAt: parseRequiredSqlTimestamp(user.created_at, 'users.created_at') },
      enrollments: enrollments.map((e) => ({
        id: e.id, courseId: e.course_id, courseTitle: e.title, status: e.status, progressPercentage: Number(e.progress_percentage),
        completedLessons: Number(e.completed), totalLessons: Number(e.total),
        enrolledAt: parseRequiredSqlTimestamp(e.enrolled_at, 'enrollments.enrolled_at'), completedAt: parseSqlTimestamp(e.completed_at),
      })),
      certificates: certificates.map((c) => ({
        id: c.id, enrollmentId: c.enrollment_id, courseTitle: c.title, certificateNumber: c.certificate_number,
        issuedAt: parseRequiredSqlTimestamp(c.issued_at, 'certificates.issued_at'),
      })),
    };
  }

  /**
   * Keyset pagination on (student id, enrollment id): each page is one short query, so neither a
   * cursor nor a transaction stays open while the CSV is written out.
   */
  async *streamStudentRows(filters: StudentExportFilters, pageSize: number): AsyncIterable<StudentExportRow> {
    const filtered = filters.courseId !== undefined || filters.status !== undefined;
    const where: string[] = ["u.role = 'student'", "(u.id, COALESCE(e.id, '')) > (?, ?)"];
    const params: SqlValue[] = [];
    if (filters.courseId !== undefined) { where.push('e.course_id = ?'); params.push(filters.courseId); }
    if (filters.status !== undefined) { where.push('e.status = ?'); params.push(filters.status); }
    const sql = `SELECT u.id AS student_id, u.email, u.full_name, u.phone_number, u.created_at AS registered_at,
        e.id AS enrollment_id, e.course_id, c.title AS course_title, e.status, e.progress_percentage, e.enrolled_at, e.completed_at,
        ce.certificate_number
      FROM users u ${filtered ? 'JOIN' : 'LEFT JOIN'} enrollments e ON e.user_id = u.id
        LEFT JOIN courses c ON c.id = e.course_id LEFT JOIN certificates ce ON ce.enrollment_id = e.id
      WHERE ${where.join(' AND ')} ORDER BY u.id, COALESCE(e.id, '') LIMIT ?`;
    let after: [string, string] = ['', ''];
    for (;;) {
      const page = await this.sql.all<ExportSqlRow>(sql, [...after, ...params, pageSize]);
      for (const r of page) yield toExportRow(r);
      if (page.length < pageSize) return;
      const last = page[page.length - 1]!;
      after = [last.student_id, last.enrollment_id ?? ''];
    }
  }
}

function toExportRow(r: ExportSqlRow): StudentExportRow {
  return {
    studentId: r.student_id, email: r.email, fullName: r.full_name, phoneNumber: r.phone_number,
    registeredAt: parseRequiredSqlTimestamp(r.registered_at, 'users.created_at'), enrollmentId: r.enrollment_id,
    courseId: r.course_id, courseTitle: r.course_title, status: r.status,
    progressPercentage: r.progress_percentage === null ? null : Number(r.progress_percentage),
    enrolledAt: parseSqlTimestamp(r.enrolled_at), completedAt: parseSqlTimestamp(r.completed_at), certificateNumber: r.certificate_number,
  };
}
