import type { CertificateStore } from '../../../../src/tasks/certificate/certificate-store';

/** A store with enrollment `e1` (Ada Lovelace, Analytical Engines, completed at COMPLETED_AT) and `e2` (not completed). */
export interface CertificateStoreHarness { store: CertificateStore; store2: CertificateStore; close(): Promise<void> }

export const COMPLETED_AT = new Date('2026-03-05T12:00:00Z');
const issuedAt = new Date('2026-03-05T12:01:00Z');

/** The CertificateStore contract (src/tasks/certificate's interface), for every implementation. */
export function describeCertificateStoreContract(name: string, factory: () => Promise<CertificateStoreHarness>): void {
  describe(`CertificateStore contract: ${name}`, () => {
    let h: CertificateStoreHarness;
    beforeEach(async () => { h = await factory(); });
    afterEach(async () => { await h.close(); });

    it('finds an enrollment with its student and course, null for an unknown one', async () => {
      expect(await h.store.findEnrollment('e1')).toEqual({ enrollmentId: 'e1', studentId: 'u1', studentName: 'Ada Lovelace',
        studentEmail: 'ada@example.com', courseId: 'c1', courseTitle: 'Analytical Engines', completedAt: COMPLETED_AT });
      expect((await h.store.findEnrollment('e2'))!.completedAt).toBeNull();
      expect(await h.store.findEnrollment('nope')).toBeNull();
    });

    it('records one certificate per enrollment; a second record returns the first', async () => {
      expect(await h.store.findCertificate('e1')).toBeNull();
      const first = await h.store.recordCertificate({ certificateNumber: 'CERT-A', enrollmentId: 'e1', fileKey: 'certificates/CERT-A.pdf', issuedAt });
      expect(first).toEqual({ created: true, certificate: { certificateNumber: 'CERT-A', enrollmentId: 'e1', fileKey: 'certificates/CERT-A.pdf', issuedAt, notifiedAt: null } });
      const again = await h.store.recordCertificate({ certificateNumber: 'CERT-B', enrollmentId: 'e1', fileKey: 'certificates/CERT-B.pdf', issuedAt: new Date() });
      expect(again).toEqual({ created: false, certificate: first.certificate });
      expect(await h.store.findCertificate('e1')).toEqual(first.certificate);
    });

    it('racing records on two connections: one row, both get it, one created', async () => {
      const [a, b] = await Promise.all([
        h.store.recordCertificate({ certificateNumber: 'CERT-X', enrollmentId: 'e1', fileKey: 'k/x.pdf', issuedAt }),
        h.store2.recordCertificate({ certificateNumber: 'CERT-X', enrollmentId: 'e1', fileKey: 'k/x.pdf', issuedAt }),
      ]);
      expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
      expect(a.certificate).toEqual(b.certificate);
    });

    it('refuses a number another enrollment holds', async () => {
      await h.store.recordCertificate({ certificateNumber: 'CERT-DUP', enrollmentId: 'e1', fileKey: 'k/1.pdf', issuedAt });
      await expect(h.store.recordCertificate({ certificateNumber: 'CERT-DUP', enrollmentId: 'e2', fileKey: 'k/2.pdf', issuedAt })).rejects.toThrow('CERT-DUP');
      expect(await h.store.findCertificate('e2')).toBeNull();
    });

    it('marks a certificate notified', async () => {
      await h.store.recordCertificate({ certificateNumber: 'CERT-N', enrollmentId: 'e1', fileKey: 'k/n.pdf', issuedAt });
      const at = new Date('2026-03-05T12:02:00Z');
      await h.store.markCertificateNotified('CERT-N', at);
      expect((await h.store.findCertificate('e1'))!.notifiedAt).toEqual(at);
    });
  });
}
