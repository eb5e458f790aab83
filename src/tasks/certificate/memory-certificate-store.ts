import type { CertificateEnrollment, CertificateStore, IssuedCertificate } from './certificate-store';

/** A CertificateStore in memory, for tests and examples; enrollments are added with `addEnrollment`. */
export class MemoryCertificateStore implements CertificateStore {
  private readonly enrollments = new Map<string, CertificateEnrollment>();
  private readonly certificates = new Map<string, IssuedCertificate>();

  addEnrollment(enrollment: CertificateEnrollment): void {
    this.enrollments.set(enrollment.enrollmentId, { ...enrollment });
  }

  /** Every recorded certificate (a copy). */
  allCertificates(): IssuedCertificate[] {
    return [...this.certificates.values()].map((c) => ({ ...c }));
  }

  async findEnrollment(enrollmentId: string): Promise<CertificateEnrollment | null> {
    const e = this.enrollments.get(enrollmentId);
    return e ? { ...e } : null;
  }

  async findCertificate(enrollmentId: string): Promise<IssuedCertificate | null> {
    const c = this.certificates.get(enrollmentId);
    return c ? { ...c } : null;
  }

  async recordCertificate(certificate: Omit<IssuedCertificate, 'notifiedAt'>): Promise<{ certificate: IssuedCertificate; created: boolean }> {
    const existing = this.certificates.get(certificate.enrollmentId);
    if (existing) return { certificate: { ...existing }, created: false };
    for (const c of this.certificates.values()) {
      if (c.certificateNumber === certificate.certificateNumber) throw new Error(`certificate number ${certificate.certificateNumber} already used`);
    }
    const stored = { ...certificate, notifiedAt: null };
    this.certificates.set(certificate.enrollmentId, stored);
    return { certificate: { ...stored }, created: true };
  }

  async markCertificateNotified(certificateNumber: string, at: Date): Promise<void> {
    for (const c of this.certificates.values()) if (c.certificateNumber === certificateNumber) c.notifiedAt = at;
  }
}
