import { randomUUID } from 'node:crypto';
import type { CertificateEnrollment, CertificateStore, IssuedCertificate } from '../certificate/certificate-store';
import { parseRequiredSqlTimestamp, parseSqlTimestamp } from './parse-sql-timestamp';
import type { SqlExecutor } from './sql-executor';
import { StoreError } from './store-error';

interface CertificateSqlRow { certificate_number: string; enrollment_id: string; file_key: string; issued_at: unknown; notified_at: unknown }

function toCertificate(r: CertificateSqlRow): IssuedCertificate {
  return {
    certificateNumber: r.certificate_number, enrollmentId: String(r.enrollment_id), fileKey: r.file_key,
    issuedAt: parseRequiredSqlTimestamp(r.issued_at, 'certificates.issued_at'), notifiedAt: parseSqlTimestamp(r.notified_at),
  };
}

const SELECT_CERTIFICATE = 'SELECT certificate_number, enrollment_id, file_key, issued_at, notified_at FROM certificates WHERE enrollment_id = ?';

/**
 * The certificate family's CertificateStore on the shared `certificates` table (src/tasks/certificate
 * declares it). One certificate per enrollment is the table's unique key: a racing second insert
 * does nothing and both runs read the one row back.
 */
export class SqlCertificateStore implements CertificateStore {
  constructor(private readonly sql: SqlExecutor) {}

  async findEnrollment(enrollmentId: string): Promise<CertificateEnrollment | null> {
    const r = await this.sql.get<{ id: string; user_id: string; full_name: string; email: string; course_id: string; title: string; completed_at: unknown }>(
      `SELECT e.id, e.user_id, u.full_name, u.email, e.course_id, c.title, e.completed_at
        FROM enrollments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id WHERE e.id = ?`, [enrollmentId]);
    if (!r) return null;
    return { enrollmentId: String(r.id), studentId: String(r.user_id), studentName: r.full_name, studentEmail: r.email,
      courseId: String(r.course_id), courseTitle: r.title, completedAt: parseSqlTimestamp(r.completed_at) };
  }

  async findCertificate(enrollmentId: string): Promise<IssuedCertificate | null> {
    const r = await this.sql.get<CertificateSqlRow>(SELECT_CERTIFICATE, [enrollmentId]);
    return r ? toCertificate(r) : null;
  }

  async recordCertificate(c: Omit<IssuedCertificate, 'notifiedAt'>): Promise<{ certificate: IssuedCertificate; created: boolean }> {
    const inserted = await this.sql.run(`INSERT INTO certificates (id, enrollment_id, certificate_number, file_key, issued_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [randomUUID(), c.enrollmentId, c.certificateNumber, c.fileKey, c.issuedAt]);
    const row = await this.sql.get<CertificateSqlRow>(SELECT_CERTIFICATE, [c.enrollmentId]);
    if (!row) {
      throw new StoreError('CELERIAC_STORE_CERTIFICATE_NUMBER_TAKEN', `certificate number ${c.certificateNumber} is already recorded for another enrollment`);
    }
    return { certificate: toCertificate(row), created: inserted === 1 };
  }

  async markCertificateNotified(certificateNumber: string, at: Date): Promise<void> {
    await this.sql.run('UPDATE certificates SET notified_at = ? WHERE certificate_number = ?', [at, certificateNumber]);
  }
}
