/** The email family: handlers, the Mailer interface with its SMTP and in-memory implementations, errors, settings. */
export { createEmailTasks, EMAIL_RETRY_OPTIONS, EMAIL_TASK_PARAMS, type EmailSentResult, type EmailTaskDeps, type EmailTaskRun, type EmailTasks } from './email-tasks';
export { EMAIL_AUTORETRY_FOR, MailDeliveryError, PermanentMailError, TransientMailError, type MailFailureDetails } from './email-errors';
export { classifySmtpError, toMailDeliveryError, type MailFailureKind } from './classify-smtp-error';
export type { MailReceipt, Mailer, OutgoingMail } from './mailer';
export { MemoryMailer } from './memory-mailer';
export { SmtpMailer, createSmtpMailer } from './smtp-mailer';
export { loadSmtpSettings, type SmtpSettings } from './smtp-settings';
export { RedactedSecret } from './redacted-secret';
export { buildMessageId } from './message-id';
export type { EmailBranding, RenderedEmail } from './email-layout';
export { escapeHtml } from './escape-html';
export { htmlToText } from './html-to-text';
