import type { StudentReportData } from './student-report-source';

/** The JSON `generate_student_report` returns; snake_case because the Python app reads it as a dict. */
export interface StudentReport {
  student: { id: string; email: string; full_name: string; phone_number: string | null; registered_at: string };
  summary: {
    enrollments: number; active: number; completed: number; cancelled: number;
    average_progress: number; lessons_completed: number; certificates: number;
  };
  enrollments: Array<{
    enrollment_id: string; course_id: string; course_title: string; status: string; progress_percentage: number;
    completed_lessons: number; total_lessons: number; enrolled_at: string; completed_at: string | null;
    certificate_number: string | null;
  }>;
  certificates: Array<{ certificate_id: string; enrollment_id: string; course_title: string; certificate_number: string; issued_at: string }>;
  generated_at: string;
}

/** Builds the report from what the source read (pure). Average progress over non-cancelled enrollments, two decimals. */
export function buildStudentReport(data: StudentReportData, generatedAt: Date): StudentReport {
  const certByEnrollment = new Map(data.certificates.map((c) => [c.enrollmentId, c.certificateNumber]));
  const counted = data.enrollments.filter((e) => e.status !== 'cancelled');
  const average = counted.length === 0 ? 0 : Math.round((counted.reduce((s, e) => s + e.progressPercentage, 0) / counted.length) * 100) / 100;
  const by = (status: string): number => data.enrollments.filter((e) => e.status === status).length;
  return {
    student: { id: data.student.id, email: data.student.email, full_name: data.student.fullName, phone_number: data.student.phoneNumber, registered_at: data.student.createdAt.toISOString() },
    summary: {
      enrollments: data.enrollments.length, active: by('active'), completed: by('completed'), cancelled: by('cancelled'),
      average_progress: average, lessons_completed: data.enrollments.reduce((s, e) => s + e.completedLessons, 0),
      certificates: data.certificates.length,
    },
    enrollments: data.enrollments.map((e) => ({
      enrollment_id: e.id, course_id: e.courseId, course_title: e.courseTitle, status: e.status, progress_percentage: e.progressPercentage,
      completed_lessons: e.completedLessons, total_lessons: e.totalLessons, enrolled_at: e.enrolledAt.toISOString(),
      completed_at: e.completedAt?.toISOString() ?? null, certificate_number: certByEnrollment.get(e.id) ?? null,
    })),
    certificates: data.certificates.map((c) => ({
      certificate_id: c.id, enrollment_id: c.enrollmentId, course_title: c.courseTitle, certificate_number: c.certificateNumber, issued_at: c.issuedAt.toISOString(),
    })),
    generated_at: generatedAt.toISOString(),
  };
}
