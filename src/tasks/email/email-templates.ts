import { buildAppUrl, renderEmailLayout, type EmailBranding, type RenderedEmail } from './email-layout';

/** The templates of the email family, one function per email; each returns subject, HTML and text. */

export function renderWelcomeEmail(b: EmailBranding, d: { fullName: string }): RenderedEmail {
  return renderEmailLayout(b, `Welcome to ${b.appName}, ${d.fullName}!`, d.fullName, [
    { kind: 'paragraph', text: `Your ${b.appName} account is ready. Browse the catalogue and enrol in your first course.` },
    { kind: 'button', label: 'Go to my courses', url: buildAppUrl(b.baseUrl, '/courses') },
  ]);
}

export function renderPasswordResetEmail(b: EmailBranding, d: { fullName: string | null; resetToken: string; validForMinutes: number }): RenderedEmail {
  return renderEmailLayout(b, `Reset your ${b.appName} password`, d.fullName, [
    { kind: 'paragraph', text: `Someone asked to reset the password of your ${b.appName} account. If it was you, choose a new one below.` },
    { kind: 'button', label: 'Choose a new password', url: buildAppUrl(b.baseUrl, '/reset-password', { token: d.resetToken }) },
    { kind: 'paragraph', text: `The link is valid for ${d.validForMinutes} minutes. If you did not ask for this, ignore this email: your password stays as it is.` },
  ]);
}

export function renderEmailVerification(b: EmailBranding, d: { fullName: string | null; verificationToken: string }): RenderedEmail {
  return renderEmailLayout(b, `Confirm your email address for ${b.appName}`, d.fullName, [
    { kind: 'paragraph', text: 'Please confirm that this address is yours.' },
    { kind: 'button', label: 'Confirm my email address', url: buildAppUrl(b.baseUrl, '/verify-email', { token: d.verificationToken }) },
  ]);
}

export function renderEnrollmentConfirmation(b: EmailBranding, d: { fullName: string; courseTitle: string }): RenderedEmail {
  return renderEmailLayout(b, `You are enrolled in ${d.courseTitle}`, d.fullName, [
    { kind: 'paragraph', text: `Your enrolment in "${d.courseTitle}" is confirmed. You can start the first lesson now.` },
    { kind: 'button', label: 'Start learning', url: buildAppUrl(b.baseUrl, '/courses') },
  ]);
}

export function renderCourseCompletionEmail(b: EmailBranding, d: { fullName: string; courseTitle: string }): RenderedEmail {
  return renderEmailLayout(b, `Congratulations on completing ${d.courseTitle}!`, d.fullName, [
    { kind: 'paragraph', text: `You completed every lesson of "${d.courseTitle}". Your certificate is being prepared and will follow in a separate email.` },
  ]);
}

export function renderCertificateIssuedEmail(
  b: EmailBranding, d: { fullName: string; courseTitle: string; certificateNumber: string; downloadUrl: string | null },
): RenderedEmail {
  return renderEmailLayout(b, `Your certificate for ${d.courseTitle}`, d.fullName, [
    { kind: 'paragraph', text: `Your certificate of completion for "${d.courseTitle}" has been issued.` },
    { kind: 'fact', label: 'Certificate number', value: d.certificateNumber },
    ...(d.downloadUrl ? [{ kind: 'button' as const, label: 'Download the certificate', url: d.downloadUrl }] : []),
  ]);
}
