/**
 * Rows of the shared LMS tables in camelCase, for seeding a database (fixtures, demos, tests) and for
 * the in-memory store. The Python app normally writes these; the workers only read them.
 */
export interface UserRow {
  id: string;
  email: string;
  fullName: string;
  phoneNumber?: string | null;
  /** Default `student`. */
  role?: string;
  createdAt: Date;
}

export interface CourseRow {
  id: string;
  title: string;
  description?: string | null;
  createdAt: Date;
}

export interface LessonRow {
  id: string;
  courseId: string;
  title: string;
  position?: number;
}

export interface EnrollmentRow {
  id: string;
  userId: string;
  courseId: string;
  /** Default `active`. */
  status?: 'active' | 'completed' | 'cancelled';
  progressPercentage?: number;
  enrolledAt: Date;
  completedAt?: Date | null;
}

export interface LessonCompletionRow {
  enrollmentId: string;
  lessonId: string;
  completedAt: Date;
}

export interface CertificateRow {
  id: string;
  enrollmentId: string;
  certificateNumber: string;
  fileKey: string;
  issuedAt: Date;
}

export interface SessionRow {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A batch of rows to insert, parents before children. */
export interface LmsRows {
  users?: UserRow[];
  courses?: CourseRow[];
  lessons?: LessonRow[];
  enrollments?: EnrollmentRow[];
  lessonCompletions?: LessonCompletionRow[];
  certificates?: CertificateRow[];
  sessions?: SessionRow[];
}
