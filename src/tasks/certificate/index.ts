/** The certificate family: generate_certificate, the CertificateStore interface (with an in-memory implementation), the PDF renderer. */
export {
  CERTIFICATE_TASK_PARAMS, createCertificateTasks, DEFAULT_CERTIFICATE_EMAIL_TASK, DEFAULT_CERTIFICATE_WEBHOOK_TASK_NAME,
  type CertificateDeps, type CertificateDepsSource, type CertificateResult, type CertificateTaskRun, type CertificateTaskSender,
  type CertificateTasks, type FollowUpTask,
} from './certificate-tasks';
export type { CertificateEnrollment, CertificateStore, IssuedCertificate } from './certificate-store';
export { MemoryCertificateStore } from './memory-certificate-store';
export { EnrollmentNotCompleted, EnrollmentNotFound } from './certificate-errors';
export { buildCertificateNumber, buildFollowUpId } from './certificate-number';
export { formatCertificateDate, renderCertificatePdf, toDrawableText, type CertificateContent } from './render-certificate-pdf';
