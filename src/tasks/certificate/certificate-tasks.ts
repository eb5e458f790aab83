import type { Logger } from 'pino';
import { z } from 'zod';
import type { TaskRequest } from '../../app/task-context';
import type { FileStore } from '../file-store/file-store';
import { parseTaskArguments } from '../parse-task-arguments';
import { EnrollmentNotCompleted, EnrollmentNotFound } from './certificate-errors';
import { buildCertificateNumber, buildFollowUpId } from './certificate-number';
import type { CertificateEnrollment, CertificateStore, IssuedCertificate } from './certificate-store';
import { renderCertificatePdf } from './render-certificate-pdf';

/**
 * Sends a follow-up task by name, as Python's `app.send_task`; a celeriac `Celery` app fits as it
 * is. `taskId` is fixed by the caller so a resend after a crash reuses the id.
 */
export interface CertificateTaskSender {
  sendTask(name: string, args: unknown[], kwargs: Record<string, unknown>, options: { taskId: string; queue?: string }): Promise<{ id: string }>;
}

/** A follow-up task: its registered name and queue. */
export interface FollowUpTask { name: string; queue?: string }

/** What generate_certificate works with. */
export interface CertificateDeps {
  store: CertificateStore;
  files: FileStore;
  /** Sends the follow-ups; null sends none. */
  sender: CertificateTaskSender | null;
  /** Shown on the certificate ("LMS Academy"). */
  issuerName: string;
  /** The certificate-issued email: args `[email, full_name, course_title, certificate_number, download_url]`; null: no email. */
  emailTask?: FollowUpTask | null;
  /** The `certificate.issued` webhook: args `[event_type, payload, webhook_url]`; no webhook without a url. */
  webhookTask?: (FollowUpTask & { url: string }) | null;
  /** A link to the PDF for the email, or null (default: none). */
  downloadUrl?: (certificate: IssuedCertificate) => string | null;
  /** Key prefix of the PDFs (default `certificates`). */
  keyPrefix?: string;
  now?: () => Date;
}

/**
 * Where the dependencies come from: the object, or a factory called on first use in the thread or
 * process that runs the task. On `pool: 'threads'` each thread loads the app module anew, so a
 * factory lets each open its own database and broker connections lazily, instead of the module
 * opening them at load (in every thread, and in the main thread that never runs the task).
 */
export type CertificateDepsSource = CertificateDeps | (() => CertificateDeps | Promise<CertificateDeps>);

/** What the handler needs of a bound task's context; a celeriac TaskContext fits. */
export interface CertificateTaskRun {
  request: Pick<TaskRequest, 'id'>;
  log?: Pick<Logger, 'info'>;
}

/** The task's result, read by Python. */
export interface CertificateResult {
  certificate_number: string;
  enrollment_id: string;
  file_key: string;
  location: string;
  issued_at: string;
  /** True when this run recorded the certificate; false when it existed. */
  created: boolean;
  /** Follow-up task ids sent by this run (empty when they had been sent before). */
  notifications: { email: string | null; webhook: string | null };
}

/** Default follow-ups, by the seeds' names. */
export const DEFAULT_CERTIFICATE_EMAIL_TASK: FollowUpTask = { name: 'app.tasks.email_tasks.send_certificate_issued_email', queue: 'emails' };
export const DEFAULT_CERTIFICATE_WEBHOOK_TASK_NAME = 'app.tasks.webhook_tasks.deliver_webhook';

/** Positional parameter names, for the app's `params` option. */
export const CERTIFICATE_TASK_PARAMS = { generateCertificate: ['enrollment_id'] } as const;

export interface CertificateTasks {
  generateCertificate(task: CertificateTaskRun, enrollmentId: unknown): Promise<CertificateResult>;
}

const argsSchema = z.object({ enrollmentId: z.union([z.string().trim().min(1), z.number().int()]).transform(String) });

function memoize(source: CertificateDepsSource): () => Promise<CertificateDeps> {
  if (typeof source !== 'function') return async () => source;
  let pending: Promise<CertificateDeps> | null = null;
  return () => {
    // A failed factory (database down) is tried again on the next run, not cached.
    pending ??= Promise.resolve().then(source).catch((err: unknown) => { pending = null; throw err; });
    return pending;
  };
}

/**
 * Builds `generate_certificate(enrollment_id)`, idempotent by construction: the number and the
 * file key derive from the enrollment, the PDF bytes from its content, and the store records one
 * certificate per enrollment (atomically), so a retry, a redelivery after a crash or two racing
 * runs end with one certificate, one file. The follow-ups (email, webhook) are sent once the
 * certificate is recorded, with task ids derived from the number, and marked sent; a crash between
 * sending and marking resends them with the same ids (the email's Message-ID and the webhook's
 * Idempotency-Key derive from those ids, so receivers can drop the copy).
 */
export function createCertificateTasks(source: CertificateDepsSource): CertificateTasks {
  const deps = memoize(source);
  return {
    async generateCertificate(task, enrollmentIdArg) {
      const { enrollmentId } = parseTaskArguments('generate_certificate', argsSchema, { enrollmentId: enrollmentIdArg });
      const d = await deps();
      const now = d.now ?? (() => new Date());
      const enrollment = await d.store.findEnrollment(enrollmentId);
      if (!enrollment) throw new EnrollmentNotFound(enrollmentId);
      let certificate = await d.store.findCertificate(enrollmentId);
      let created = false;
      if (!certificate) {
        if (!enrollment.completedAt) throw new EnrollmentNotCompleted(enrollmentId);
        const number = buildCertificateNumber(enrollmentId, enrollment.completedAt.getUTCFullYear());
        const fileKey = `${d.keyPrefix ?? 'certificates'}/${number}.pdf`;
        // File first, then the row: a crash in between leaves a file the next run overwrites with the same bytes.
        await writePdf(d, enrollment, number, fileKey);
        ({ certificate, created } = await d.store.recordCertificate({ certificateNumber: number, enrollmentId, fileKey, issuedAt: now() }));
        if (certificate.fileKey !== fileKey) await d.files.delete(fileKey);
      } else if (!(await d.files.exists(certificate.fileKey))) {
        // Recorded but the file is gone (storage wiped or moved): render it again under its key.
        await writePdf(d, enrollment, certificate.certificateNumber, certificate.fileKey);
      }
      const notifications = certificate.notifiedAt === null ? await notify(d, enrollment, certificate, now) : { email: null, webhook: null };
      task.log?.info({ enrollmentId, certificateNumber: certificate.certificateNumber, created }, 'certificate ready');
      return {
        certificate_number: certificate.certificateNumber, enrollment_id: enrollmentId, file_key: certificate.fileKey,
        location: d.files.locate(certificate.fileKey), issued_at: certificate.issuedAt.toISOString(), created, notifications,
      };
    },
  };
}

async function writePdf(d: CertificateDeps, e: CertificateEnrollment, certificateNumber: string, fileKey: string): Promise<void> {
  const pdf = await renderCertificatePdf({ studentName: e.studentName, courseTitle: e.courseTitle, certificateNumber, issuerName: d.issuerName,
    completedAt: e.completedAt ?? new Date(0) });
  await d.files.put(fileKey, pdf, { contentType: 'application/pdf' });
}

async function notify(d: CertificateDeps, e: CertificateEnrollment, c: IssuedCertificate, now: () => Date): Promise<CertificateResult['notifications']> {
  const out: CertificateResult['notifications'] = { email: null, webhook: null };
  if (!d.sender) return out;
  const emailTask = d.emailTask === undefined ? DEFAULT_CERTIFICATE_EMAIL_TASK : d.emailTask;
  if (emailTask) {
    const taskId = buildFollowUpId('email', c.certificateNumber);
    await d.sender.sendTask(emailTask.name, [e.studentEmail, e.studentName, e.courseTitle, c.certificateNumber, d.downloadUrl?.(c) ?? null], {},
      { taskId, ...(emailTask.queue ? { queue: emailTask.queue } : {}) });
    out.email = taskId;
  }
  if (d.webhookTask?.url) {
    const taskId = buildFollowUpId('webhook', c.certificateNumber);
    const payload = {
      certificate_number: c.certificateNumber, enrollment_id: e.enrollmentId, student_id: e.studentId, course_id: e.courseId,
      student_name: e.studentName, course_title: e.courseTitle, completed_at: e.completedAt?.toISOString() ?? null,
      issued_at: c.issuedAt.toISOString(), file_key: c.fileKey,
    };
    await d.sender.sendTask(d.webhookTask.name, ['certificate.issued', payload, d.webhookTask.url], {},
      { taskId, ...(d.webhookTask.queue ? { queue: d.webhookTask.queue } : {}) });
    out.webhook = taskId;
  }
  await d.store.markCertificateNotified(c.certificateNumber, now());
  return out;
}
