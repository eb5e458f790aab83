/** What a certificate shows about an enrollment, as the store looks it up (enrollment → student, course). */
export interface CertificateEnrollment {
  enrollmentId: string;
  studentId: string;
  studentName: string;
  studentEmail: string;
  courseId: string;
  courseTitle: string;
  /** When the course was completed; null while it is not. */
  completedAt: Date | null;
}

/** A certificate as recorded. */
export interface IssuedCertificate {
  certificateNumber: string;
  enrollmentId: string;
  /** FileStore key of the PDF. */
  fileKey: string;
  issuedAt: Date;
  /** When the follow-up email and webhook were sent; null until then. */
  notifiedAt: Date | null;
}

/**
 * Where certificates are recorded (the LMS database in production; implemented by the store family
 * over SQLite/PostgreSQL, and in memory for tests).
 */
export interface CertificateStore {
  findEnrollment(enrollmentId: string): Promise<CertificateEnrollment | null>;
  /** The certificate of an enrollment, if one was recorded. */
  findCertificate(enrollmentId: string): Promise<IssuedCertificate | null>;
  /**
   * Records a certificate unless the enrollment has one. Must be atomic (a unique key on the
   * enrollment, another on the number: `INSERT ... ON CONFLICT DO NOTHING` then a select): when two
   * runs race, one row wins and both get it back; `created` tells which run inserted it.
   */
  recordCertificate(certificate: Omit<IssuedCertificate, 'notifiedAt'>): Promise<{ certificate: IssuedCertificate; created: boolean }>;
  /** Notes that the follow-ups of a certificate were sent. */
  markCertificateNotified(certificateNumber: string, at: Date): Promise<void>;
}
