/** What the report family reads about one student. */
export interface StudentReportData {
  student: { id: string; email: string; fullName: string; phoneNumber: string | null; createdAt: Date };
  enrollments: Array<{
    id: string; courseId: string; courseTitle: string; status: string; progressPercentage: number;
    completedLessons: number; totalLessons: number; enrolledAt: Date; completedAt: Date | null;
  }>;
  certificates: Array<{ id: string; enrollmentId: string; courseTitle: string; certificateNumber: string; issuedAt: Date }>;
}

/** Reads a student's enrollments, progress and certificates (the shared database). */
export interface StudentReportSource {
  /** The student's data, enrollments by enrolment date; null when no such user. */
  loadStudentReport(studentId: string): Promise<StudentReportData | null>;
}
