// The LMS app's connections and clients, each built on first use in the process or thread that uses
// it: loading the app module (the worker's main thread, each pool thread, `celeriac beat -A`) opens
// nothing. The objects handed to the task families are thin forwarders to these.
import type { MessageSender } from '../../src/tasks/bulk/message-sender';
import type { NotificationStore } from '../../src/tasks/bulk/notification-store';
import type { HealthProbe } from '../../src/tasks/cleanup/health-probe';
import type { SessionStore } from '../../src/tasks/cleanup/session-store';
import { createSmtpMailer, loadSmtpSettings, type Mailer } from '../../src/tasks/email';
import type { StudentExportSource } from '../../src/tasks/export/student-export-source';
import type { EnrollmentStore } from '../../src/tasks/progress/enrollment-store';
import type { StudentReportSource } from '../../src/tasks/report/student-report-source';
import { createLmsStore, type LmsStore } from '../../src/tasks/store/create-lms-store';
import type { HttpClient } from '../../src/tasks/webhook';
import type { LmsConfig } from './lms-config';

/** A memoized async factory; a failure (database down) is not cached, the next call tries again. */
export function lazy<T>(build: () => T | Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= Promise.resolve().then(build).catch((err: unknown) => { pending = null; throw err; });
    return pending;
  };
}

/** Everything the families take, backed by lazily opened connections. */
export interface LmsResources {
  db: () => Promise<LmsStore>;
  enrollments: EnrollmentStore;
  notifications: NotificationStore;
  messages: MessageSender;
  reports: StudentReportSource;
  exports: StudentExportSource;
  sessions: SessionStore;
  databaseProbe: HealthProbe;
  mailer: Mailer;
  http: HttpClient;
}

/** Builds the forwarders; `env` is read for the SMTP settings on the first email. */
export function createLmsResources(config: LmsConfig, env: Record<string, string | undefined>): LmsResources {
  const db = lazy(() => createLmsStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath }));
  let mailerBuilt = false;
  const mailer = lazy(() => {
    const built = createSmtpMailer(loadSmtpSettings(env));
    mailerBuilt = true;
    return built;
  });
  // got is ESM-only; its file is required only when the first webhook goes out.
  const http = lazy(() => (require('../../src/tasks/webhook/got-http-client') as typeof import('../../src/tasks/webhook/got-http-client')).createGotHttpClient());
  return {
    db,
    enrollments: {
      recordLessonCompletion: async (input) => (await db()).enrollments.recordLessonCompletion(input),
      markCompletionDispatched: async (id, at) => (await db()).enrollments.markCompletionDispatched(id, at),
    },
    notifications: { createNotification: async (n) => (await db()).notifications.createNotification(n) },
    messages: { send: async (m) => (await db()).messageOutbox.send(m) },
    reports: { loadStudentReport: async (id) => (await db()).studentReports.loadStudentReport(id) },
    exports: {
      async *streamStudentRows(filters, pageSize) {
        yield* (await db()).studentExport.streamStudentRows(filters, pageSize);
      },
    },
    sessions: { deleteExpiredSessions: async (now) => (await db()).sessions.deleteExpiredSessions(now) },
    databaseProbe: { name: 'database', check: async () => (await db()).databaseProbe.check() },
    mailer: {
      send: async (m) => (await mailer()).send(m),
      // Closes the SmtpMailer only if one was built; closing must not open a connection.
      close: async () => { if (mailerBuilt) await (await mailer()).close(); },
    },
    http: { post: async (r) => (await http()).post(r) },
  };
}
