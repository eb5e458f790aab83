import { SqlMessageOutbox } from '../../../../src/tasks/store/sql-message-outbox';
import { SqlNotificationStore } from '../../../../src/tasks/store/sql-notification-store';
import { SqlSessionStore } from '../../../../src/tasks/store/sql-session-store';
import { SqlStudentQueries } from '../../../../src/tasks/store/sql-student-queries';
import { createSqlDatabaseProbe } from '../../../../src/tasks/store/sql-database-probe';
import type { LmsRows } from '../../../../src/tasks/store/lms-rows';
import type { SqlExecutor } from '../../../../src/tasks/store/sql-executor';
import type { StudentExportRow } from '../../../../src/tasks/export/student-export-source';
import { buildCourseFixture } from './lms-fixtures';

/** A fresh migrated database. */
export interface SqlBackendHarness { sql: SqlExecutor; seed(rows: LmsRows): Promise<void>; close(): Promise<void> }

const at = new Date('2026-03-01T10:00:00Z');

async function collect(it: AsyncIterable<StudentExportRow>): Promise<StudentExportRow[]> {
  const out: StudentExportRow[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Contracts of NotificationStore, MessageSender (outbox), SessionStore, StudentReportSource, StudentExportSource on SQL. */
export function describeLmsSqlStoresContract(name: string, factory: () => Promise<SqlBackendHarness>): void {
  describe(`LMS SQL stores: ${name}`, () => {
    let h: SqlBackendHarness;
    beforeEach(async () => { h = await factory(); await h.seed(buildCourseFixture(3)); });
    afterEach(async () => { await h.close(); });

    it('NotificationStore: created once per key, unknown users refused', async () => {
      const store = new SqlNotificationStore(h.sql);
      const n = { userId: 'u1', title: 'T', message: 'M', idempotencyKey: 'k1', createdAt: at };
      expect(await store.createNotification(n)).toBe('created');
      expect(await store.createNotification(n)).toBe('duplicate');
      expect(await store.createNotification({ ...n, userId: 'ghost', idempotencyKey: 'k2' })).toBe('unknown-user');
      const rows = await h.sql.all<{ user_id: string; title: string }>('SELECT user_id, title FROM notifications');
      expect(rows).toEqual([{ user_id: 'u1', title: 'T' }]);
    });

    it('MessageSender outbox: queued once per key', async () => {
      const outbox = new SqlMessageOutbox(h.sql, () => at);
      const m = { to: '+15550000001', body: 'hi', messageType: 'sms', idempotencyKey: 't:0' };
      const first = await outbox.send(m);
      expect(await outbox.send(m)).toEqual({ messageId: first.messageId, duplicate: true });
      expect(await h.sql.all('SELECT phone_number, message_type, body, status FROM outbound_messages'))
        .toEqual([{ phone_number: '+15550000001', message_type: 'sms', body: 'hi', status: 'queued' }]);
    });

    it('SessionStore: deletes only expired sessions, whatever timestamp text the app wrote', async () => {
      await h.seed({ sessions: [
        { id: 's-old', userId: 'u1', createdAt: at, expiresAt: new Date('2026-03-01T09:59:59Z') },
        { id: 's-new', userId: 'u1', createdAt: at, expiresAt: new Date('2026-03-01T10:00:01Z') },
      ] });
      if (h.sql.dialect === 'sqlite') {
        // SQLAlchemy's format (space, no zone): same-day comparison must still be by time.
        await h.sql.run("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s-py-old', 'u1', '2026-03-01 09:00:00', '2026-03-01 09:30:00.000000')");
        await h.sql.run("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s-py-new', 'u1', '2026-03-01 09:00:00', '2026-03-01 23:00:00')");
      }
      const deleted = await new SqlSessionStore(h.sql).deleteExpiredSessions(at);
      expect(deleted).toBe(h.sql.dialect === 'sqlite' ? 2 : 1);
      const left = (await h.sql.all<{ id: string }>('SELECT id FROM sessions ORDER BY id')).map((r) => r.id);
      expect(left).toEqual(h.sql.dialect === 'sqlite' ? ['s-new', 's-py-new'] : ['s-new']);
    });

    it('StudentReportSource: enrollments with lesson counts, certificates; null for unknown', async () => {
      await h.seed({ lessonCompletions: [{ enrollmentId: 'e1', lessonId: 'l1', completedAt: at }, { enrollmentId: 'e1', lessonId: 'l2', completedAt: at }],
        certificates: [{ id: 'k1', enrollmentId: 'e1', certificateNumber: 'CERT-1', fileKey: 'certificates/CERT-1.pdf', issuedAt: at }] });
      await h.sql.run('UPDATE enrollments SET progress_percentage = 66.67 WHERE id = ?', ['e1']);
      const q = new SqlStudentQueries(h.sql);
      const r = (await q.loadStudentReport('u1'))!;
      expect(r.student).toEqual({ id: 'u1', email: 'ada@example.com', fullName: 'Ada Lovelace', phoneNumber: '+4915112345678', createdAt: at });
      expect(r.enrollments).toEqual([{ id: 'e1', courseId: 'c1', courseTitle: 'Analytical Engines', status: 'active', progressPercentage: 66.67,
        completedLessons: 2, totalLessons: 3, enrolledAt: at, completedAt: null }]);
      expect(r.certificates).toEqual([{ id: 'k1', enrollmentId: 'e1', courseTitle: 'Analytical Engines', certificateNumber: 'CERT-1', issuedAt: at }]);
      expect(await q.loadStudentReport('ghost')).toBeNull();
    });

    it('StudentExportSource: every row once across pages, filters, students without enrollments when unfiltered', async () => {
      const users = Array.from({ length: 7 }, (_, i) => ({ id: `s${i}`, email: `s${i}@example.com`, fullName: `S ${i}`, createdAt: at }));
      await h.seed({ users, enrollments: users.slice(0, 5).map((u, i) => ({ id: `es${i}`, userId: u.id, courseId: i % 2 ? 'c2' : 'c1', status: i === 0 ? 'completed' as const : 'active' as const, enrolledAt: at })) });
      await h.seed({ users: [{ id: 'admin', email: 'admin@example.com', fullName: 'Admin', role: 'admin', createdAt: at }] });
      const q = new SqlStudentQueries(h.sql);
      const all = await collect(q.streamStudentRows({}, 2));
      expect(all.map((r) => `${r.studentId}/${r.enrollmentId ?? '-'}`)).toEqual(['s0/es0', 's1/es1', 's2/es2', 's3/es3', 's4/es4', 's5/-', 's6/-', 'u1/e1', 'u2/e2']);
      expect(all[0]).toMatchObject({ courseTitle: 'Analytical Engines', status: 'completed', progressPercentage: 0, enrolledAt: at, registeredAt: at });
      expect(all[5]).toMatchObject({ courseId: null, status: null, enrolledAt: null });
      const c2 = await collect(q.streamStudentRows({ courseId: 'c2' }, 1));
      expect(c2.map((r) => r.enrollmentId)).toEqual(['es1', 'es3']);
      const completed = await collect(q.streamStudentRows({ courseId: 'c1', status: 'completed' }, 100));
      expect(completed.map((r) => r.enrollmentId)).toEqual(['es0']);
    });

    it('database probe answers with its dialect', async () => {
      expect(await createSqlDatabaseProbe(h.sql).check()).toEqual({ dialect: h.sql.dialect === 'postgres' ? 'postgresql' : 'sqlite' });
    });
  });
}
