import { createHash } from 'node:crypto';

/** Crockford's base32: no I, L, O, U, so a number read aloud or retyped is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The certificate number of an enrollment: `CERT-<year>-XXXX-XXXX-XXXX`, twelve base32 digits (60
 * bits) of SHA-256 over the enrollment id. Derived, not random, so every run for one enrollment
 * (a retry, a redelivery after a crash, two racing workers) computes the same number and the same
 * file key; the store's unique key on the number catches the (2^-60 per pair) collision.
 */
export function buildCertificateNumber(enrollmentId: string, completedYear: number, prefix = 'CERT'): string {
  const digest = createHash('sha256').update(`celeriac-certificate:${enrollmentId}`).digest();
  let bits = 0n;
  for (let i = 0; i < 8; i++) bits = (bits << 8n) | BigInt(digest[i] as number);
  bits >>= 4n; // 64 → 60 bits
  let digits = '';
  for (let i = 0; i < 12; i++) {
    digits = (ALPHABET[Number(bits & 31n)] as string) + digits;
    bits >>= 5n;
  }
  return `${prefix}-${completedYear}-${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8, 12)}`;
}

/** A UUID-shaped id (version 5 layout) for a follow-up task of a certificate, the same on every run. */
export function buildFollowUpId(kind: string, certificateNumber: string): string {
  const hex = createHash('sha256').update(`celeriac-certificate-follow-up:${kind}:${certificateNumber}`).digest('hex');
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
