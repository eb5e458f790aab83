// The LMS example end to end, as the "Proof" asks: the unchanged Python FastAPI producer under
// uvicorn, celeriac workers on the seeds' queue groups running examples/lms/app.ts (certificates on
// threads), celeriac beat, a real SMTP server and a real HTTP webhook receiver, one private
// redis-server; the database SQLite here, PostgreSQL in the last block. Driven over HTTP as a client
// would, waiting on what arrives (mail, webhook hits, API answers), never on fixed sleeps.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgresServer, type PostgresServer } from '../test/helpers/postgres-server';
import { killAllChildren } from './helpers/child-registry';
import { waitUntil } from './helpers/redis-probe';
import { startLmsStack, type LmsStack, type ReceivedMail } from './helpers/lms-stack';

jest.setTimeout(120_000);

/** Webhook retries back off 0.4 s, then 0.8 s (no jitter), so the test sees the doubling. */
const WORKER_ENV = {
  WEBHOOK_RETRY_BASE_SEC: '0.4', WEBHOOK_RETRY_JITTER: 'false', WEBHOOK_MAX_RETRIES: '3', EMAIL_RETRY_BACKOFF_SEC: '0.2',
  // 200 x 20 ms = 4 s of PROGRESS: enough polls see it move even when the API answers slowly on a loaded machine.
  LMS_TEST_SEND_DELAY_MS: '20',
};

/** A short schedule of the two file sweeps (the seeds' run daily and hourly). */
const TEST_BEAT_SCHEDULE = `timezone: UTC
beat_schedule:
  cleanup-old-files:
    task: app.tasks.maintenance_tasks.cleanup_old_files
    schedule: 1
    kwargs: { max_age_days: 7 }
    options: { queue: low_priority, expires: 30 }
  cleanup-temporary-files:
    task: app.tasks.maintenance_tasks.cleanup_temporary_files
    schedule: 1
    options: { queue: low_priority, expires: 30 }
`;

const PDF_TEXT = 'import sys, json, pypdf\nr = pypdf.PdfReader(sys.argv[1])\nprint(json.dumps("\\n".join(p.extract_text() for p in r.pages)))';
const CSV_ROWS = 'import sys, csv, json\nwith open(sys.argv[1], newline="", encoding="utf-8") as f:\n    print(json.dumps(list(csv.DictReader(f))))';

interface Student { id: string; email: string; fullName: string; registerTaskId: string }
interface Enrolled { student: Student; enrollmentId: string; courseId: string; lessonIds: string[] }

let seq = 0;
function uniqueEmail(tag: string): string {
  seq += 1;
  return `${tag}.${seq}.${process.pid}@example.org`;
}

async function register(stack: LmsStack, fullName: string, tag: string): Promise<Student> {
  const email = uniqueEmail(tag);
  const res = await stack.api.request('POST', '/register', { email, full_name: fullName });
  expect(res.status).toBe(201);
  return { id: res.body.id, email, fullName, registerTaskId: res.body.task_id };
}

async function enrolInNewCourse(stack: LmsStack, student: Student, lessons: number, title: string): Promise<Enrolled> {
  const course = await stack.api.seedCourse(lessons, title);
  const res = await stack.api.request('POST', '/enrollments', { user_id: student.id, course_id: course.courseId });
  expect(res.status).toBe(201);
  return { student, enrollmentId: res.body.id, courseId: course.courseId, lessonIds: course.lessonIds };
}

/** Completes every lesson through the API; resolves with update_lesson_completion's task ids, in order. */
async function completeAllLessons(stack: LmsStack, e: Enrolled): Promise<string[]> {
  const ids: string[] = [];
  for (const lessonId of e.lessonIds) {
    const res = await stack.api.request('POST', `/lessons/${lessonId}/complete`, { user_id: e.student.id });
    expect(res.status).toBe(202);
    ids.push(res.body.task_id);
  }
  return ids;
}

/** The certificate task id the completing lesson's task sent (its result says so). */
async function certificateTaskId(stack: LmsStack, lessonTaskIds: string[]): Promise<string> {
  const results = await Promise.all(lessonTaskIds.map((id) => stack.api.waitForTask(id, ['SUCCESS', 'FAILURE'], { timeoutMs: 30_000 })));
  expect(results.map((r) => r.state)).toEqual(lessonTaskIds.map(() => 'SUCCESS'));
  const sent = results.map((r) => (r.result as { certificate_task_id: string | null }).certificate_task_id).filter((id) => id !== null);
  expect(sent).toHaveLength(1);
  return sent[0] as string;
}

const isMail = (template: string, to: string) => (m: ReceivedMail): boolean =>
  m.headers['x-celeriac-template'] === template && m.envelopeTo.includes(to);

async function pdfTextOf(stack: LmsStack, url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  const file = join(stack.dir, `download-${seq}.pdf`);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return stack.python<string>(PDF_TEXT, [file]);
}

/**
 * register → welcome email; enrol + complete every lesson → 100 % → certificate PDF (read back by
 * pypdf through the email's download link) → certificate email + signed webhook.
 */
async function certificateJourney(stack: LmsStack, fullName: string): Promise<void> {
  const student = await register(stack, fullName, 'journey');
  const welcome = await stack.mail.waitFor(isMail('welcome', student.email), `welcome email to ${student.email}`);
  expect(welcome.headers.to).toContain(student.email);
  expect(welcome.headers.subject).toContain(fullName);
  expect(welcome.body).toContain(`Hello ${fullName},`);
  expect((await stack.api.waitForTask(student.registerTaskId, ['SUCCESS'])).result).toMatchObject({ to: student.email, template: 'welcome' });

  const e = await enrolInNewCourse(stack, student, 3, 'Distributed Systems with Celery');
  await stack.mail.waitFor(isMail('enrollment-confirmation', student.email), 'enrollment confirmation');
  const certTaskId = await certificateTaskId(stack, await completeAllLessons(stack, e));
  const enrollment = await waitUntil(async () => {
    const res = await stack.api.request('GET', `/enrollments/${e.enrollmentId}`);
    return res.body.progress_percentage === 100 ? res.body : undefined;
  }, 'progress 100 %');
  expect(enrollment).toMatchObject({ status: 'completed', lessons_completed: 3 });

  const cert = await stack.api.waitForTask(certTaskId, ['SUCCESS', 'FAILURE'], { timeoutMs: 60_000 });
  expect(cert.state).toBe('SUCCESS');
  const number = String((cert.result as { certificate_number: string }).certificate_number);
  expect(number).toMatch(/^CERT-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const record = await stack.api.request('GET', `/certificates/${e.enrollmentId}`);
  expect(record.body).toMatchObject({ certificate_number: number, student_name: fullName, file_key: `certificates/${number}.pdf` });

  const certMail = await stack.mail.waitFor(isMail('certificate-issued', student.email), 'certificate email');
  expect(certMail.body).toContain(number);
  const link = /https?:\/\/127\.0\.0\.1:\d+\/certificates\/[0-9a-f-]+\/download/.exec(certMail.body)?.[0];
  expect(link).toBe(`${stack.api.baseUrl}/certificates/${e.enrollmentId}/download`);
  const text = await pdfTextOf(stack, link as string);
  expect(text).toContain(fullName);
  expect(text).toContain(`Certificate No. ${number}`);
  expect(text).toContain('Distributed Systems with Celery');
  await stack.mail.waitFor(isMail('course-completion', student.email), 'course completion email');

  const hit = await stack.webhooks.waitFor((h) => h.body.data.enrollment_id === e.enrollmentId, 'certificate.issued webhook');
  expect(hit).toMatchObject({ event: 'certificate.issued', signatureValid: true, status: 200 });
  expect(Math.abs(hit.timestampSec - Date.now() / 1000)).toBeLessThan(60);
  expect(hit.body.data).toMatchObject({ certificate_number: number, student_name: fullName, student_id: student.id });
}

describe('the LMS stack on SQLite', () => {
  let stack: LmsStack;

  beforeAll(async () => {
    stack = await startLmsStack({ workerEnv: WORKER_ENV, beatSchedule: TEST_BEAT_SCHEDULE });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await killAllChildren();
  });

  it('register → welcome email; every lesson → 100 % → certificate PDF with name and number → certificate email and a signed webhook', async () => {
    await certificateJourney(stack, 'Ada Lovelace');
  });

  it('a receiver answering 500, 500, 200 gets the webhook once, after two backed-off retries with one Idempotency-Key', async () => {
    const student = await register(stack, 'Grace Hopper', 'flaky');
    const e = await enrolInNewCourse(stack, student, 1, 'Compilers');
    stack.webhooks.script(e.enrollmentId, [500, 500]);
    const certTaskId = await certificateTaskId(stack, await completeAllLessons(stack, e));
    const cert = await stack.api.waitForTask(certTaskId, ['SUCCESS']);
    const webhookTaskId = (cert.result as { notifications: { webhook: string } }).notifications.webhook;
    const done = await stack.api.waitForTask(webhookTaskId, ['SUCCESS', 'FAILURE']);
    expect(done.state).toBe('SUCCESS');
    expect(done.result).toMatchObject({ delivered: true, status: 200, attempts: 3, idempotency_key: webhookTaskId });
    await stack.waitForQuiet(['webhooks']);
    const hits = stack.webhooks.hits.filter((h) => h.body.data.enrollment_id === e.enrollmentId);
    expect(hits.map((h) => [h.status, h.attempt, h.idempotencyKey, h.signatureValid]))
      .toEqual([[500, 1, webhookTaskId, true], [500, 2, webhookTaskId, true], [200, 3, webhookTaskId, true]]);
    expect(hits.filter((h) => h.status === 200)).toHaveLength(1);
    // Celery retries with an ETA: 0.4 s after the first failure, 0.8 s after the second.
    const [first, second, third] = hits.map((h) => h.receivedAt) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(400);
    expect(third - second).toBeGreaterThanOrEqual(800);
  });

  it('a receiver answering 400 gets the webhook once; the task ends FAILURE and a copy sits in dead_letter', async () => {
    const student = await register(stack, 'Barbara Liskov', 'rejecting');
    const e = await enrolInNewCourse(stack, student, 1, 'Abstraction');
    stack.webhooks.script(e.enrollmentId, [400]);
    const cert = await stack.api.waitForTask(await certificateTaskId(stack, await completeAllLessons(stack, e)), ['SUCCESS']);
    const webhookTaskId = (cert.result as { notifications: { webhook: string } }).notifications.webhook;
    const failed = await stack.api.waitForTask(webhookTaskId, ['SUCCESS', 'FAILURE']);
    expect(failed.state).toBe('FAILURE');
    expect(failed.error?.type).toBe('WebhookRejected');
    expect(failed.error?.message).toContain('answered 400');
    await stack.waitForQuiet(['webhooks']);
    expect(stack.webhooks.hits.filter((h) => h.idempotencyKey === webhookTaskId).map((h) => h.status)).toEqual([400]);
    const dead = JSON.parse(await stack.cli(['dlq', 'list', 'dead_letter', '--json'])) as Array<Record<string, unknown>>;
    expect(dead.filter((d) => d.id === webhookTaskId)).toEqual([expect.objectContaining({
      task: 'app.tasks.webhook_tasks.deliver_webhook', originalQueue: 'webhooks', reason: 'failed',
    })]);
  });

  it('bulk send of 200 recipients shows PROGRESS with rising percentages through the API, then SUCCESS', async () => {
    const numbers = Array.from({ length: 200 }, (_, i) => `+1 555 01${String(i).padStart(5, '0')}`);
    const res = await stack.api.request('POST', '/send-bulk-messages', { phone_numbers: numbers, message: 'Class moved to room 4', message_type: 'sms' });
    expect(res.status).toBe(202);
    const seen: Array<{ state: string; percentage: number; current: number }> = [];
    const final = await waitUntil(async () => {
      const p = await stack.api.request('GET', `/api/tasks/${res.body.task_id}/progress`);
      seen.push({ state: p.body.state, percentage: p.body.percentage, current: p.body.current });
      return ['SUCCESS', 'FAILURE'].includes(p.body.state) ? p.body : undefined;
    }, 'bulk send finished', { timeoutMs: 60_000, maxIntervalMs: 40 });
    expect(final).toMatchObject({ state: 'SUCCESS', percentage: 100, current: 200, total: 200, result: { sent: 200, failed: 0, total: 200 } });
    const progress = seen.filter((s) => s.state === 'PROGRESS');
    const percentages = [...new Set(progress.map((s) => s.percentage))];
    // Named in the failure: what the polls saw (count and order), not just a number.
    expect({ distinct: percentages.length >= 3, seen }).toEqual({ distinct: true, seen });
    expect(percentages.every((p) => p > 0 && p <= 100)).toBe(true);
    // Never going back: each poll's count is at least the previous one.
    expect(progress.map((s) => s.current)).toEqual([...progress.map((s) => s.current)].sort((a, b) => a - b));
    const db = new Database(stack.sqlitePath as string, { readonly: true });
    try {
      const row = db.prepare("SELECT COUNT(*) AS n FROM outbound_messages WHERE idempotency_key LIKE ? || ':%'").get(res.body.task_id) as { n: number };
      expect(row.n).toBe(200);
    } finally {
      db.close();
    }
  });

  it('the CSV export of a course holds exactly its students, with their progress', async () => {
    const course = await stack.api.seedCourse(2, 'Exported Course');
    const students = await Promise.all(['Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra'].map((n) => register(stack, n, 'export')));
    const enrolments = new Map<string, string>();
    for (const s of students) {
      const res = await stack.api.request('POST', '/enrollments', { user_id: s.id, course_id: course.courseId });
      enrolments.set(s.email, res.body.id);
    }
    const done = await stack.api.request('POST', `/lessons/${course.lessonIds[0]}/complete`, { user_id: students[0]?.id });
    await stack.api.waitForTask(done.body.task_id, ['SUCCESS']);
    const exp = await stack.api.request('GET', `/students/export?course_id=${course.courseId}`);
    expect(exp.status).toBe(202);
    const result = (await stack.api.waitForTask(exp.body.task_id, ['SUCCESS'])).result as { key: string; location: string; rows: number };
    expect(result).toMatchObject({ rows: 3, key: `exports/students-${exp.body.task_id}.csv`, location: join(stack.storageDir, result.key) });
    const rows = await stack.python<Array<Record<string, string>>>(CSV_ROWS, [result.location]);
    expect(Object.keys(rows[0] ?? {})).toEqual(['student_id', 'email', 'full_name', 'phone_number', 'registered_at', 'enrollment_id',
      'course_id', 'course_title', 'status', 'progress_percentage', 'enrolled_at', 'completed_at', 'certificate_number']);
    const byEmail = (a: { email: string }, b: { email: string }): number => a.email.localeCompare(b.email);
    expect(rows.map((r) => ({ email: String(r.email), name: r.full_name, enrollment: r.enrollment_id, course: r.course_id, title: r.course_title,
      status: r.status, progress: Number(r.progress_percentage) })).sort(byEmail)).toEqual(students.map((s, i) => ({
      email: s.email, name: s.fullName, enrollment: enrolments.get(s.email), course: course.courseId, title: 'Exported Course', status: 'active',
      progress: i === 0 ? 50 : 0,
    })).sort(byEmail));
  });

  it('beat-sent cleanup removes only the old files: old exports and temporary files go, new ones and certificates stay', async () => {
    const old = new Date(Date.now() - 30 * 86_400_000);
    const files = {
      oldExport: join(stack.storageDir, 'exports', 'old-export.csv'), newExport: join(stack.storageDir, 'exports', 'new-export.csv'),
      oldNested: join(stack.storageDir, 'exports', '2020', 'nested.csv'), oldCertificate: join(stack.storageDir, 'certificates', 'CERT-OLD.pdf'),
      oldTemp: join(stack.tempDir, 'upload-old.part'), newTemp: join(stack.tempDir, 'upload-new.part'),
    };
    for (const dir of ['exports/2020', 'certificates']) await mkdir(join(stack.storageDir, dir), { recursive: true });
    for (const path of Object.values(files)) await writeFile(path, 'x'.repeat(100));
    for (const path of [files.oldExport, files.oldNested, files.oldCertificate, files.oldTemp]) await utimes(path, old, old);
    const since = Date.now();
    const beatRuns = (entry: string): string[] => (stack.beat?.lines ?? []).flatMap((l) => {
      if (!l.startsWith('{')) return [];
      const r = JSON.parse(l) as { msg?: string; entry?: string; taskId?: string; runAt?: string };
      return r.msg === 'beat sent task' && r.entry === entry && Date.parse(r.runAt ?? '') > since ? [String(r.taskId)] : [];
    });
    // A run beat sent after the files existed, for each sweep, then its result through the API.
    for (const entry of ['cleanup-old-files', 'cleanup-temporary-files']) {
      const taskId = await waitUntil(async () => beatRuns(entry)[0], `beat sending ${entry}`, { timeoutMs: 15_000 });
      const swept = await stack.api.waitForTask(taskId, ['SUCCESS', 'FAILURE']);
      expect(swept.state).toBe('SUCCESS');
    }
    expect(Object.fromEntries(Object.entries(files).map(([k, p]) => [k, existsSync(p)]))).toEqual({
      oldExport: false, newExport: true, oldNested: false, oldCertificate: true, oldTemp: false, newTemp: true,
    });
  });

  it('kill -9 of the certificate worker mid-task: the task is redelivered and nothing is issued twice', async () => {
    const student = await register(stack, 'Margaret Hamilton', 'killed');
    const e = await enrolInNewCourse(stack, student, 2, 'Apollo Guidance');
    await writeFile(join(stack.holdDir, `hold-${e.enrollmentId}`), '');
    const lessonTasks = await completeAllLessons(stack, e);
    const certTaskId = await certificateTaskId(stack, lessonTasks);
    const held = join(stack.holdDir, `held-${e.enrollmentId}`);
    await waitUntil(async () => existsSync(held), 'generate_certificate parked after recording', { timeoutMs: 60_000 });
    const victim = stack.workers.get('certificates');
    expect(Number(await readFile(held, 'utf8'))).toBe(victim?.pid);
    expect((await stack.api.waitForTask(certTaskId, ['STARTED'])).state).toBe('STARTED');
    await victim?.kill();
    await writeFile(join(stack.holdDir, `release-${e.enrollmentId}`), '');
    await stack.startWorker('certificates');

    const cert = await stack.api.waitForTask(certTaskId, ['SUCCESS', 'FAILURE'], { timeoutMs: 60_000 });
    expect(cert.state).toBe('SUCCESS');
    // The redelivered run found the certificate the killed one had recorded.
    expect(cert.result).toMatchObject({ created: false, enrollment_id: e.enrollmentId });
    const number = String((cert.result as { certificate_number: string }).certificate_number);
    await stack.mail.waitFor(isMail('certificate-issued', student.email), 'certificate email after redelivery');
    await stack.webhooks.waitFor((h) => h.body.data.enrollment_id === e.enrollmentId, 'webhook after redelivery');
    await stack.waitForQuiet(['certificates', 'emails', 'webhooks', 'progress']);

    expect(stack.mail.received.filter(isMail('certificate-issued', student.email))).toHaveLength(1);
    expect(stack.mail.received.filter(isMail('course-completion', student.email))).toHaveLength(1);
    expect(stack.webhooks.hits.filter((h) => h.body.data.enrollment_id === e.enrollmentId).map((h) => h.status)).toEqual([200]);
    expect((await readdir(join(stack.storageDir, 'certificates'))).filter((f) => f.includes(number))).toEqual([`${number}.pdf`]);
    const db = new Database(stack.sqlitePath as string, { readonly: true });
    try {
      expect(db.prepare('SELECT certificate_number FROM certificates WHERE enrollment_id = ?').all(e.enrollmentId))
        .toEqual([{ certificate_number: number }]);
    } finally {
      db.close();
    }
  });
});

describe('the LMS stack on PostgreSQL', () => {
  let pg: PostgresServer;
  let stack: LmsStack;

  beforeAll(async () => {
    pg = await startPostgresServer();
    const databaseUrl = await pg.createDatabase('lms_e2e');
    stack = await startLmsStack({
      databaseUrl, workerEnv: WORKER_ENV,
      groups: [
        { name: 'emails', queues: ['emails', 'progress'], concurrency: 16 },
        { name: 'certificates', queues: ['certificates'], concurrency: 2, threads: true },
        { name: 'webhooks', queues: ['webhooks'], concurrency: 32 },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await killAllChildren();
    await pg?.stop();
  });

  it('register → welcome email; every lesson → 100 % → certificate PDF → certificate email and a signed webhook', async () => {
    await certificateJourney(stack, 'Donald Knuth');
  });
});
