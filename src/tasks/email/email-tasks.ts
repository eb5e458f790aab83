import type { Logger } from 'pino';
import { z } from 'zod';
import type { TaskRequest } from '../../app/task-context';
import type { TaskOptions } from '../../app/task-definition';
import { parseTaskArguments } from '../parse-task-arguments';
import { EMAIL_AUTORETRY_FOR } from './email-errors';
import type { EmailBranding, RenderedEmail } from './email-layout';
import {
  renderCertificateIssuedEmail, renderCourseCompletionEmail, renderEmailVerification, renderEnrollmentConfirmation,
  renderPasswordResetEmail, renderWelcomeEmail,
} from './email-templates';
import { htmlToText } from './html-to-text';
import type { Mailer } from './mailer';
import { buildMessageId } from './message-id';

/** What the email handlers need of a bound task's context (`bind: true`); a celeriac TaskContext fits. */
export interface EmailTaskRun {
  request: Pick<TaskRequest, 'id' | 'retries'>;
  log?: Pick<Logger, 'info'>;
}

/** What the email family takes from the app module. */
export interface EmailTaskDeps {
  mailer: Mailer;
  /** Sender of every email. */
  from: string;
  branding: EmailBranding;
  /** Right-hand side of the Message-IDs (`lms.example`). */
  messageIdDomain: string;
  /** How long a password-reset link is valid, as the email states it (default 60). */
  passwordResetValidMinutes?: number;
}

/** A task's result: JSON for Python's `AsyncResult.get()`. */
export interface EmailSentResult {
  message_id: string;
  to: string;
  template: string;
  accepted: string[];
  rejected: string[];
}

const email = z.email();
const name = z.string().trim().min(1).max(200);
const optionalName = name.nullish().transform((v) => v ?? null);
const token = z.string().min(1).max(2000);
const title = z.string().trim().min(1).max(300);
const id = z.union([z.string().min(1), z.number().int()]);

/** Positional parameter names (Python's keyword names) for each handler, for the app's `params` option. */
export const EMAIL_TASK_PARAMS = {
  sendWelcomeEmail: ['user_id', 'email', 'full_name'],
  sendPasswordResetEmail: ['email', 'reset_token', 'full_name'],
  sendEmailVerification: ['email', 'verification_token', 'full_name'],
  sendEnrollmentConfirmation: ['email', 'full_name', 'course_title'],
  sendCourseCompletionEmail: ['email', 'full_name', 'course_title'],
  sendCertificateIssuedEmail: ['email', 'full_name', 'course_title', 'certificate_number', 'download_url'],
  sendEmail: ['to_email', 'subject', 'html_content'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Retry options for every email task: TransientMailError retried with Celery's exponential backoff
 * (5 s, 10 s, 20 s, 40 s, full jitter, capped at 5 min), 4 retries, then FAILURE (and the dead-letter
 * queue). PermanentMailError (5xx) is not in the list, so it fails at once.
 */
export const EMAIL_RETRY_OPTIONS = {
  autoretryFor: EMAIL_AUTORETRY_FOR,
  retryBackoff: 5,
  retryBackoffMax: 300,
  retryJitter: true,
  maxRetries: 4,
} as const satisfies TaskOptions;

/** The email handlers, to register with `bind: true` under the producer's names. */
export interface EmailTasks {
  sendWelcomeEmail(task: EmailTaskRun, userId: unknown, email: unknown, fullName: unknown): Promise<EmailSentResult>;
  sendPasswordResetEmail(task: EmailTaskRun, email: unknown, resetToken: unknown, fullName?: unknown): Promise<EmailSentResult>;
  sendEmailVerification(task: EmailTaskRun, email: unknown, verificationToken: unknown, fullName?: unknown): Promise<EmailSentResult>;
  sendEnrollmentConfirmation(task: EmailTaskRun, email: unknown, fullName: unknown, courseTitle: unknown): Promise<EmailSentResult>;
  sendCourseCompletionEmail(task: EmailTaskRun, email: unknown, fullName: unknown, courseTitle: unknown): Promise<EmailSentResult>;
  sendCertificateIssuedEmail(task: EmailTaskRun, email: unknown, fullName: unknown, courseTitle: unknown,
    certificateNumber: unknown, downloadUrl?: unknown): Promise<EmailSentResult>;
  /** Caller-supplied HTML (trusted: it comes from the producer); the text part is derived from it. */
  sendEmail(task: EmailTaskRun, toEmail: unknown, subject: unknown, htmlContent: unknown): Promise<EmailSentResult>;
}

/**
 * Builds the email handlers over a Mailer. Each one validates its arguments (ValueError in Python
 * when they are wrong), renders its template and sends one message whose Message-ID derives from
 * the task id, so retries of a task resend the same message id (see buildMessageId).
 */
export function createEmailTasks(deps: EmailTaskDeps): EmailTasks {
  const send = async (task: EmailTaskRun, template: string, to: string, rendered: RenderedEmail): Promise<EmailSentResult> => {
    const messageId = buildMessageId(task.request.id, deps.messageIdDomain);
    const receipt = await deps.mailer.send({
      to, from: deps.from, subject: rendered.subject, html: rendered.html, text: rendered.text, messageId,
      headers: { 'X-Celeriac-Task-Id': task.request.id, 'X-Celeriac-Template': template },
    });
    task.log?.info({ messageId, template, retries: task.request.retries }, 'email sent');
    return { message_id: receipt.messageId, to, template, accepted: receipt.accepted, rejected: receipt.rejected };
  };
  const b = deps.branding;
  return {
    async sendWelcomeEmail(task, userId, emailArg, fullName) {
      const a = parseTaskArguments('send_welcome_email', z.object({ userId: id, email, fullName: name }), { userId, email: emailArg, fullName });
      return send(task, 'welcome', a.email, renderWelcomeEmail(b, a));
    },
    async sendPasswordResetEmail(task, emailArg, resetToken, fullName) {
      const a = parseTaskArguments('send_password_reset_email', z.object({ email, resetToken: token, fullName: optionalName }),
        { email: emailArg, resetToken, fullName });
      return send(task, 'password-reset', a.email, renderPasswordResetEmail(b, { ...a, validForMinutes: deps.passwordResetValidMinutes ?? 60 }));
    },
    async sendEmailVerification(task, emailArg, verificationToken, fullName) {
      const a = parseTaskArguments('send_email_verification', z.object({ email, verificationToken: token, fullName: optionalName }),
        { email: emailArg, verificationToken, fullName });
      return send(task, 'email-verification', a.email, renderEmailVerification(b, a));
    },
    async sendEnrollmentConfirmation(task, emailArg, fullName, courseTitle) {
      const a = parseTaskArguments('send_enrollment_confirmation', z.object({ email, fullName: name, courseTitle: title }),
        { email: emailArg, fullName, courseTitle });
      return send(task, 'enrollment-confirmation', a.email, renderEnrollmentConfirmation(b, a));
    },
    async sendCourseCompletionEmail(task, emailArg, fullName, courseTitle) {
      const a = parseTaskArguments('send_course_completion_email', z.object({ email, fullName: name, courseTitle: title }),
        { email: emailArg, fullName, courseTitle });
      return send(task, 'course-completion', a.email, renderCourseCompletionEmail(b, a));
    },
    async sendCertificateIssuedEmail(task, emailArg, fullName, courseTitle, certificateNumber, downloadUrl) {
      const a = parseTaskArguments('send_certificate_issued_email', z.object({
        email, fullName: name, courseTitle: title, certificateNumber: z.string().min(1).max(100),
        downloadUrl: z.url({ protocol: /^https?$/ }).nullish().transform((v) => v ?? null),
      }), { email: emailArg, fullName, courseTitle, certificateNumber, downloadUrl });
      return send(task, 'certificate-issued', a.email, renderCertificateIssuedEmail(b, a));
    },
    async sendEmail(task, toEmail, subject, htmlContent) {
      const a = parseTaskArguments('send_email', z.object({
        toEmail: email, subject: z.string().trim().min(1).max(998).refine((s) => !/[\r\n]/.test(s), 'no line breaks'), htmlContent: z.string().min(1),
      }), { toEmail, subject, htmlContent });
      return send(task, 'generic', a.toEmail, { subject: a.subject, html: a.htmlContent, text: htmlToText(a.htmlContent) });
    },
  };
}
