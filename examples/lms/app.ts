// The LMS worker app: every task the FastAPI producer (examples/lms/api) sends, under the exact names
// and queues of its lms_api/tasks.py, built from the task families in src/tasks. Run one worker per
// queue group, as docker-compose.yml does:
//
//   celeriac worker -A examples/lms/app.ts -Q emails,progress
//   celeriac worker -A examples/lms/app.ts -Q certificates -P threads -c 2
//   celeriac worker -A examples/lms/app.ts -Q webhooks
//   celeriac worker -A examples/lms/app.ts -Q messaging,notifications,reports,low_priority
//
// Loading this module opens nothing: the database, SMTP and HTTP clients are built on first use in the
// process or pool thread that runs a task (generate_certificate runs in worker threads, each of which
// loads this module itself). Environment: see lms-config.ts (DATABASE_URL / LMS_SQLITE_PATH,
// STORAGE_DIR, WEBHOOK_URL, ...), src/tasks/email/smtp-settings.ts (SMTP_*) and
// src/tasks/webhook/webhook-secrets.ts (WEBHOOK_SECRET, WEBHOOK_SECRETS).
import { Celery } from '../../src/index';
import { createBulkTasks, sendBulkMessagesParams, sendBulkNotificationsParams } from '../../src/tasks/bulk/create-bulk-tasks';
import { CERTIFICATE_TASK_PARAMS, createCertificateTasks, DEFAULT_CERTIFICATE_WEBHOOK_TASK_NAME } from '../../src/tasks/certificate';
import { cleanupOldFilesParams, createCleanupTasks } from '../../src/tasks/cleanup/create-cleanup-tasks';
import { LocalFileTree } from '../../src/tasks/cleanup/local-file-tree';
import { createEmailTasks, EMAIL_RETRY_OPTIONS, EMAIL_TASK_PARAMS, loadSmtpSettings } from '../../src/tasks/email';
import { createExportTasks, exportStudentsCsvParams } from '../../src/tasks/export/create-export-tasks';
import { DirectoryFileStore } from '../../src/tasks/file-store';
import { createProgressTasks, updateLessonCompletionParams } from '../../src/tasks/progress/create-progress-tasks';
import { createReportTasks, generateStudentReportParams } from '../../src/tasks/report/create-report-tasks';
import { createWebhookTasks, loadWebhookSecretResolver, WEBHOOK_TASK_PARAMS } from '../../src/tasks/webhook';
import { loadLmsConfig } from './lms-config';
import { createLmsResources } from './lms-resources';
import { holdAfterRecording, slowSender } from './test-hooks';

const env = process.env;
const config = loadLmsConfig(env);
const res = createLmsResources(config, env);

/** The seeds' Celery settings (lms_api/celery_app.py); CELERY_* variables and flags override them. */
const app = new Celery('lms', {
  conf: {
    task_routes: {
      'app.tasks.email_tasks.*': { queue: 'emails' },
      'app.tasks.progress_tasks.*': { queue: 'progress' },
      'app.tasks.certificate_tasks.*': { queue: 'certificates' },
      'app.tasks.webhook_tasks.*': { queue: 'webhooks' },
      'app.tasks.messaging_tasks.*': { queue: 'messaging' },
      'app.tasks.notification_tasks.*': { queue: 'notifications' },
      'app.tasks.report_tasks.*': { queue: 'reports' },
      'app.tasks.maintenance_tasks.*': { queue: 'low_priority' },
    },
    task_default_queue: 'celery',
    task_acks_late: true,
    task_reject_on_worker_lost: true,
    task_track_started: true,
    worker_prefetch_multiplier: 1,
    task_default_retry_delay: 5,
    task_time_limit: 300,
    task_soft_time_limit: 240,
    result_expires: 3600,
    accept_content: ['json'],
    // Finally failed messages are copied here (celeriac dlq list|requeue dead_letter); no task routes to it.
    task_dead_letter_queue: 'dead_letter',
    timezone: 'UTC',
  },
});

// ---- emails -------------------------------------------------------------------------------------
// The SMTP settings are checked now (a bad SMTP_PORT stops the worker at startup); the connection opens per message.
const smtp = loadSmtpSettings(env);
const email = createEmailTasks({
  mailer: res.mailer, from: smtp.from, messageIdDomain: smtp.messageIdDomain,
  branding: { appName: config.appName, baseUrl: config.publicUrl, ...(config.supportEmail ? { supportEmail: config.supportEmail } : {}) },
});
const emailOptions = {
  bind: true, queue: 'emails', ...EMAIL_RETRY_OPTIONS, retryBackoff: config.email.backoffSec, maxRetries: config.email.maxRetries,
} as const;
app.task('app.tasks.email_tasks.send_welcome_email', email.sendWelcomeEmail,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendWelcomeEmail });
app.task('app.tasks.email_tasks.send_password_reset_email', email.sendPasswordResetEmail,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendPasswordResetEmail });
app.task('app.tasks.email_tasks.send_email_verification', email.sendEmailVerification,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendEmailVerification });
app.task('app.tasks.email_tasks.send_enrollment_confirmation', email.sendEnrollmentConfirmation,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendEnrollmentConfirmation });
app.task('app.tasks.email_tasks.send_course_completion_email', email.sendCourseCompletionEmail,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendCourseCompletionEmail });
app.task('app.tasks.email_tasks.send_certificate_issued_email', email.sendCertificateIssuedEmail,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendCertificateIssuedEmail });
app.task('app.tasks.email_tasks.send_email', email.sendEmail,
  { ...emailOptions, params: EMAIL_TASK_PARAMS.sendEmail, rateLimit: '100/m' });

// ---- progress -----------------------------------------------------------------------------------
const progress = createProgressTasks({ enrollments: res.enrollments, sender: app });
app.task('app.tasks.progress_tasks.update_lesson_completion', progress.updateLessonCompletion,
  { bind: true, queue: 'progress', params: updateLessonCompletionParams });

// ---- certificates (CPU work: worker threads; each thread builds its own dependencies) -------------
const certificates = createCertificateTasks(async () => ({
  store: holdAfterRecording((await res.db()).certificates, config.test.holdDir),
  files: new DirectoryFileStore(config.storageDir),
  sender: app,
  issuerName: config.issuerName,
  webhookTask: config.webhookUrl ? { name: DEFAULT_CERTIFICATE_WEBHOOK_TASK_NAME, queue: 'webhooks', url: config.webhookUrl } : null,
  downloadUrl: (c) => `${config.publicUrl}/certificates/${encodeURIComponent(c.enrollmentId)}/download`,
}));
app.task('app.tasks.certificate_tasks.generate_certificate', certificates.generateCertificate,
  { bind: true, queue: 'certificates', pool: 'threads', params: CERTIFICATE_TASK_PARAMS.generateCertificate });

// ---- webhooks -----------------------------------------------------------------------------------
const webhooks = createWebhookTasks({
  http: res.http, secrets: loadWebhookSecretResolver(env), timeoutMs: config.webhook.timeoutMs, maxRetries: config.webhook.maxRetries,
  backoff: { baseSec: config.webhook.baseSec, maxSec: config.webhook.maxSec, jitter: config.webhook.jitter, retryAfterMaxSec: 3600 },
});
app.task('app.tasks.webhook_tasks.deliver_webhook', webhooks.deliverWebhook,
  { bind: true, queue: 'webhooks', params: WEBHOOK_TASK_PARAMS.deliverWebhook });

// ---- bulk messaging and notifications -----------------------------------------------------------
const bulk = createBulkTasks({ messages: slowSender(res.messages, config.test.sendDelayMs), notifications: res.notifications });
app.task('app.tasks.messaging_tasks.send_bulk_messages', bulk.sendBulkMessages,
  { bind: true, queue: 'messaging', params: sendBulkMessagesParams });
app.task('app.tasks.notification_tasks.send_bulk_notifications', bulk.sendBulkNotifications,
  { bind: true, queue: 'notifications', params: sendBulkNotificationsParams });

// ---- reports ------------------------------------------------------------------------------------
const reports = createReportTasks({ reports: res.reports });
const exportsFamily = createExportTasks({ students: res.exports, files: new DirectoryFileStore(config.storageDir) });
app.task('app.tasks.report_tasks.generate_student_report', reports.generateStudentReport,
  { bind: true, queue: 'reports', params: generateStudentReportParams });
app.task('app.tasks.report_tasks.export_students_csv', exportsFamily.exportStudentsCsv,
  { bind: true, queue: 'reports', params: exportStudentsCsvParams });

// ---- maintenance (sent by celeriac beat: examples/lms/beat-schedule.yaml) -------------------------
const storageTree = new LocalFileTree(config.storageDir);
const maintenance = createCleanupTasks({
  storage: new LocalFileTree(config.cleanupDir),
  temporary: new LocalFileTree(config.tempDir),
  sessions: res.sessions,
  probes: [res.databaseProbe, { name: 'storage', check: () => storageTree.checkWritable() }],
  temporaryMaxAgeMs: config.tempMaxAgeMs,
});
const maintenanceOptions = { bind: true, queue: 'low_priority' } as const;
app.task('app.tasks.maintenance_tasks.cleanup_old_files', maintenance.cleanupOldFiles, { ...maintenanceOptions, params: cleanupOldFilesParams });
app.task('app.tasks.maintenance_tasks.cleanup_temporary_files', maintenance.cleanupTemporaryFiles, maintenanceOptions);
app.task('app.tasks.maintenance_tasks.cleanup_old_sessions', maintenance.cleanupOldSessions, maintenanceOptions);
app.task('app.tasks.maintenance_tasks.periodic_health_check', maintenance.periodicHealthCheck, maintenanceOptions);

export default app;
