import { Client } from 'pg';
import pino from 'pino';
import { createProgressTasks } from '../../../../src/tasks/progress/create-progress-tasks';
import type { TaskSender } from '../../../../src/tasks/progress/task-sender';
import { createLmsStore, type LmsStore } from '../../../../src/tasks/store/create-lms-store';
import type { LmsRows } from '../../../../src/tasks/store/lms-rows';
import { startPostgresServer, type PostgresServer } from '../../../helpers/postgres-server';
import { createPostgresBackend, createSqliteBackend } from '../store/lms-store-backends';

const ENROLLMENTS = 8;
const at = new Date('2026-03-01T10:00:00Z');
const task = { log: pino({ level: 'silent' }) };

function fixture(): LmsRows {
  const ids = Array.from({ length: ENROLLMENTS }, (_, i) => i);
  return {
    users: ids.map((i) => ({ id: `u${i}`, email: `u${i}@example.com`, fullName: `User ${i}`, createdAt: at })),
    courses: [{ id: 'c1', title: 'Race Conditions 101', createdAt: at }],
    lessons: [1, 2, 3].map((n) => ({ id: `l${n}`, courseId: 'c1', title: `L${n}`, position: n })),
    enrollments: ids.map((i) => ({ id: `e${i}`, userId: `u${i}`, courseId: 'c1', enrolledAt: at })),
    lessonCompletions: ids.map((i) => ({ enrollmentId: `e${i}`, lessonId: 'l1', completedAt: at })),
  };
}

class RecordingSender implements TaskSender {
  readonly sent: Array<{ name: string; args: unknown[] }> = [];
  async sendTask(name: string, args: unknown[], _kwargs: Record<string, unknown>, options: { taskId: string }): Promise<{ id: string }> {
    this.sent.push({ name, args });
    return { id: options.taskId };
  }
}

/** Two "workers" (each its own LmsStore from the URL, its own sender) complete the last two lessons of every enrollment at once. */
async function race(url: string, gate?: { arm(): Promise<void>; open(): Promise<void> }): Promise<{ senders: RecordingSender[]; results: Array<{ course_completed: boolean; certificate_task_id: string | null }> }> {
  const stores: LmsStore[] = await Promise.all([createLmsStore({ databaseUrl: url, poolMax: ENROLLMENTS }), createLmsStore({ databaseUrl: url, poolMax: ENROLLMENTS })]);
  const senders = [new RecordingSender(), new RecordingSender()];
  try {
    const workers = stores.map((s, w) => createProgressTasks({ enrollments: s.enrollments, sender: senders[w]! }));
    await gate?.arm(); // after the stores' migrations, which would wait on the gate's lock
    const runs = Array.from({ length: ENROLLMENTS }, (_, i) => [
      workers[0]!.updateLessonCompletion(task, `e${i}`, 'l2', `u${i}`),
      workers[1]!.updateLessonCompletion(task, `e${i}`, 'l3', `u${i}`),
    ]).flat();
    await gate?.open();
    return { senders, results: await Promise.all(runs) };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

function expectOneChainPerEnrollment(senders: RecordingSender[], results: Array<{ course_completed: boolean; certificate_task_id: string | null }>): void {
  const certificates = senders.flatMap((s) => s.sent).filter((t) => t.name === 'app.tasks.certificate_tasks.generate_certificate');
  const emails = senders.flatMap((s) => s.sent).filter((t) => t.name === 'app.tasks.email_tasks.send_course_completion_email');
  expect(certificates.map((c) => c.args[0]).sort()).toEqual(Array.from({ length: ENROLLMENTS }, (_, i) => `e${i}`).sort());
  expect(emails).toHaveLength(ENROLLMENTS);
  expect(results.filter((r) => r.certificate_task_id !== null)).toHaveLength(ENROLLMENTS);
}

describe('two workers completing the last lessons at once trigger exactly one certificate chain per enrollment', () => {
  it('SQLite file shared by two connections', async () => {
    const b = createSqliteBackend();
    try {
      await b.seed(fixture());
      const { senders, results } = await race(`sqlite:///${b.path}`);
      expectOneChainPerEnrollment(senders, results);
      const rows = await b.sql.all<{ status: string; progress_percentage: number }>('SELECT status, progress_percentage FROM enrollments');
      expect(rows.every((r) => r.status === 'completed' && Number(r.progress_percentage) === 100)).toBe(true);
    } finally {
      await b.close();
    }
  });

  describe('PostgreSQL', () => {
    let server: PostgresServer;
    beforeAll(async () => { server = await startPostgresServer(); }, 60_000);
    afterAll(async () => { await server?.stop(); });

    it('with every transaction held at a gate and released together', async () => {
      const b = await createPostgresBackend(server);
      const gateClient = new Client({ connectionString: b.url });
      await gateClient.connect();
      try {
        await b.seed(fixture());
        // The gate: inserts into lesson_completions wait on this lock, so all 2N transactions are
        // in flight together before any of them can write; then they are released at once.
        const gate = {
          arm: async () => {
            await gateClient.query('BEGIN');
            await gateClient.query('LOCK TABLE lesson_completions IN EXCLUSIVE MODE');
          },
          open: async () => {
            for (;;) {
              // pg_stat_activity is snapshotted once per transaction: drop the snapshot to see new waiters.
              await gateClient.query('SELECT pg_stat_clear_snapshot()');
              const { rows } = await gateClient.query<{ n: number }>(
                "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
              if (rows[0]!.n >= 2 * ENROLLMENTS) break;
              await new Promise((r) => setTimeout(r, 10));
            }
            await gateClient.query('COMMIT');
          },
        };
        const { senders, results } = await race(b.url, gate);
        expectOneChainPerEnrollment(senders, results);
        const rows = await b.sql.all<{ status: string; progress_percentage: number }>('SELECT status, progress_percentage FROM enrollments');
        expect(rows.every((r) => r.status === 'completed' && Number(r.progress_percentage) === 100)).toBe(true);
      } finally {
        await gateClient.end();
        await b.close();
      }
    }, 30_000);
  });
});
