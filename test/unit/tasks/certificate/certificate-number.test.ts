import { buildCertificateNumber, buildFollowUpId } from '../../../../src/tasks/certificate/certificate-number';

describe('buildCertificateNumber', () => {
  it('is CERT-<year>-XXXX-XXXX-XXXX in Crockford base32, the same for the same enrollment', () => {
    const n = buildCertificateNumber('enr-1', 2026);
    expect(n).toMatch(/^CERT-2026-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(buildCertificateNumber('enr-1', 2026)).toBe(n);
    expect(buildCertificateNumber('enr-1', 2026, 'LMS')).toBe(n.replace(/^CERT/, 'LMS'));
  });

  it('differs across 20,000 enrollments (sequential ids, as a database hands them out)', () => {
    const numbers = new Set<string>();
    for (let i = 1; i <= 20_000; i++) numbers.add(buildCertificateNumber(String(i), 2026).slice(10));
    expect(numbers.size).toBe(20_000);
  });
});

describe('buildFollowUpId', () => {
  it('is a stable UUID (version 5 layout), distinct per kind', () => {
    const email = buildFollowUpId('email', 'CERT-1');
    expect(email).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(buildFollowUpId('email', 'CERT-1')).toBe(email);
    expect(buildFollowUpId('webhook', 'CERT-1')).not.toBe(email);
  });
});
