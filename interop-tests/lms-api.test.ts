// The LMS example's FastAPI producer, unchanged Python: uvicorn serves it against a private
// redis-server and a SQLite file (then a private PostgreSQL), and what it puts on the broker is read
// back raw from Redis DB 1 (kombu's lists), as a celeriac worker will receive it. No worker runs here.
import Database from 'better-sqlite3';
import Redis from 'ioredis';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { LMS_TABLES, SQLITE_LMS_SCHEMA } from '../src/tasks/store/lms-schema';
import { migratePostgresLmsSchema } from '../src/tasks/store/migrate-lms-schema';
import { startPostgresServer, type PostgresServer } from '../test/helpers/postgres-server';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startLmsApi, type LmsApi } from './helpers/lms-api';

let redis: RedisServer;
let broker: Redis;
let results: Redis;
let api: LmsApi;
let dir: string;
let sqlitePath: string;

beforeAll(async () => {
  redis = await startRedisServer();
  broker = new Redis(redis.url(1));
  results = new Redis(redis.url(2));
  dir = mkdtempSync(join(tmpdir(), 'celeriac-lms-api-'));
  sqlitePath = join(dir, 'lms.db');
  api = await startLmsApi({ brokerUrl: redis.url(1), backendUrl: redis.url(2), sqlitePath, storageDir: join(dir, 'storage') });
});

afterAll(async () => {
  await api?.stop();
  await killAllChildren();
  broker?.disconnect();
  results?.disconnect();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One task message as kombu's Redis transport stores it, with its protocol-v2 body decoded. */
interface QueuedTask {
  task: string;
  id: string;
  routingKey: string;
  contentType: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** Takes the oldest message off a queue (kombu LPUSHes and pops from the right). */
async function takeMessage(queue: string, from: Redis = broker): Promise<QueuedTask> {
  const raw = await from.rpop(queue);
  if (raw === null) throw new Error(`queue ${queue} is empty (queues with messages: ${(await from.keys('*')).filter((k) => !k.startsWith('_kombu')).join(', ')})`);
  const envelope = JSON.parse(raw) as {
    body: string; 'content-type': string; headers: { task: string; id: string };
    properties: { body_encoding: string; delivery_info: { routing_key: string } };
  };
  expect(envelope.properties.body_encoding).toBe('base64');
  const [args, kwargs] = JSON.parse(Buffer.from(envelope.body, 'base64').toString('utf8')) as [unknown[], Record<string, unknown>];
  return {
    task: envelope.headers.task, id: envelope.headers.id, routingKey: envelope.properties.delivery_info.routing_key,
    contentType: envelope['content-type'], args, kwargs,
  };
}

async function register(email: string, fullName: string): Promise<{ id: string; task_id: string }> {
  const res = await api.request('POST', '/register', { email, full_name: fullName });
  expect(res.status).toBe(201);
  await takeMessage('emails');
  return res.body;
}

it('POST /register stores the user in the shared database and queues send_welcome_email on emails', async () => {
  const res = await api.request('POST', '/register', { email: 'ada@example.com', full_name: 'Ada Lovelace' });
  expect(res.status).toBe(201);
  expect(await broker.llen('emails')).toBe(1);
  const msg = await takeMessage('emails');
  expect(msg).toEqual({
    task: 'app.tasks.email_tasks.send_welcome_email', id: res.body.task_id, routingKey: 'emails', contentType: 'application/json',
    args: [], kwargs: { user_id: res.body.id, email: 'ada@example.com', full_name: 'Ada Lovelace' },
  });
  const db = new Database(sqlitePath, { readonly: true });
  try {
    expect(db.prepare('SELECT email, full_name, role FROM users WHERE id = ?').get(res.body.id))
      .toEqual({ email: 'ada@example.com', full_name: 'Ada Lovelace', role: 'student' });
  } finally {
    db.close();
  }
});

it('a second registration with the same email is refused and sends nothing', async () => {
  await register('grace@example.com', 'Grace Hopper');
  const again = await api.request('POST', '/register', { email: 'grace@example.com', full_name: 'Grace H.' });
  expect(again.status).toBe(409);
  expect(await broker.llen('emails')).toBe(0);
});

it('GET /health/detailed: database and broker healthy, no Celery workers answering', async () => {
  const res = await api.request('GET', '/health/detailed');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    status: 'degraded',
    components: {
      database: { status: 'healthy', dialect: 'sqlite' },
      broker: { status: 'healthy' },
      result_backend: { status: 'healthy' },
      celery: { status: 'unhealthy', workers: [], worker_count: 0, active_tasks: 0 },
    },
  });
});

it('enrolment and lesson completion queue their tasks on emails and progress', async () => {
  const user = await register('alan@example.com', 'Alan Turing');
  const course = await api.seedCourse(3);
  expect(course.lessonIds).toHaveLength(3);
  const outsider = await api.request('POST', `/lessons/${course.lessonIds[0]}/complete`, { user_id: user.id });
  expect(outsider.status).toBe(404);

  const enrolled = await api.request('POST', '/enrollments', { user_id: user.id, course_id: course.courseId });
  expect(enrolled.status).toBe(201);
  expect(await takeMessage('emails')).toMatchObject({
    task: 'app.tasks.email_tasks.send_enrollment_confirmation', id: enrolled.body.task_id,
    kwargs: { email: 'alan@example.com', full_name: 'Alan Turing', course_title: 'Celery for TypeScript' },
  });
  expect((await api.request('POST', '/enrollments', { user_id: user.id, course_id: course.courseId })).status).toBe(409);

  const done = await api.request('POST', `/lessons/${course.lessonIds[1]}/complete`, { user_id: user.id });
  expect(done.status).toBe(202);
  expect(await takeMessage('progress')).toEqual({
    task: 'app.tasks.progress_tasks.update_lesson_completion', id: done.body.task_id, routingKey: 'progress', contentType: 'application/json',
    args: [], kwargs: { enrollment_id: enrolled.body.id, lesson_id: course.lessonIds[1], user_id: user.id },
  });
  const enrollment = await api.request('GET', `/enrollments/${enrolled.body.id}`);
  expect(enrollment.body).toMatchObject({ status: 'active', progress_percentage: 0, lessons_completed: 0 });
  expect((await api.request('GET', `/certificates/${enrolled.body.id}`)).status).toBe(404);
});

it('bulk sends, reports and the CSV export go to messaging, notifications and reports', async () => {
  const user = await register('katherine@example.com', 'Katherine Johnson');
  const cases: Array<[Promise<{ status: number; body: { task_id: string } }>, string, string, Record<string, unknown>]> = [
    [api.request('POST', '/send-bulk-messages', { phone_numbers: ['+15550001', '+15550002'], message: 'Class at 9', message_type: 'sms' }),
      'messaging', 'app.tasks.messaging_tasks.send_bulk_messages', { phone_numbers: ['+15550001', '+15550002'], message: 'Class at 9', message_type: 'sms' }],
    [api.request('POST', '/notifications/bulk', { user_ids: [user.id], title: 'Welcome', message: 'Term starts Monday' }),
      'notifications', 'app.tasks.notification_tasks.send_bulk_notifications', { user_ids: [user.id], title: 'Welcome', message: 'Term starts Monday' }],
  ];
  for (const [request, queue, task, kwargs] of cases) {
    const res = await request;
    expect(res.status).toBe(202);
    expect(await takeMessage(queue)).toMatchObject({ task, id: res.body.task_id, routingKey: queue, args: [], kwargs });
  }
  const report = await api.request('GET', `/students/${user.id}/report`);
  expect(report.status).toBe(202);
  expect(await takeMessage('reports')).toMatchObject({ task: 'app.tasks.report_tasks.generate_student_report', id: report.body.task_id, kwargs: { student_id: user.id } });
  expect((await api.request('GET', '/students/no-such-student/report')).status).toBe(404);
  const exported = await api.request('GET', '/students/export?status=active');
  expect(exported.status).toBe(202);
  expect(await takeMessage('reports')).toMatchObject({ task: 'app.tasks.report_tasks.export_students_csv', id: exported.body.task_id, kwargs: { filters: { status: 'active' } } });
  expect(await broker.llen('celery')).toBe(0);
});

it('GET /api/tasks/{id} and /progress read PROGRESS, SUCCESS, RETRY and FAILURE as a worker stores them', async () => {
  const store = (id: string, status: string, result: unknown): Promise<unknown> => results.set(`celery-task-meta-${id}`, JSON.stringify({
    status, result, traceback: status === 'FAILURE' ? 'Traceback (most recent call last):\n' : null, children: [],
    date_done: status === 'PROGRESS' ? null : new Date().toISOString(), task_id: id,
  }));
  expect((await api.request('GET', '/api/tasks/not-sent-yet/progress')).body)
    .toEqual({ task_id: 'not-sent-yet', state: 'PENDING', current: 0, total: 0, percentage: 0 });

  await store('t-progress', 'PROGRESS', { current: 50, total: 200 });
  expect((await api.request('GET', '/api/tasks/t-progress/progress')).body)
    .toEqual({ task_id: 't-progress', state: 'PROGRESS', current: 50, total: 200, percentage: 25 });
  expect((await api.request('GET', '/api/tasks/t-progress')).body)
    .toEqual({ task_id: 't-progress', state: 'PROGRESS', info: { current: 50, total: 200 } });

  const finished = api.waitForTask('t-done', ['SUCCESS', 'FAILURE'], { timeoutMs: 20_000 });
  await store('t-done', 'SUCCESS', { sent: 200, failed: 0, total: 200 });
  await expect(finished).resolves.toMatchObject({ state: 'SUCCESS', result: { sent: 200 } });
  expect((await api.request('GET', '/api/tasks/t-done/progress')).body)
    .toMatchObject({ state: 'SUCCESS', current: 200, total: 200, percentage: 100, result: { sent: 200, total: 200 } });

  await store('t-retry', 'RETRY', { exc_type: 'ConnectionResetError', exc_message: ['smtp connection reset'], exc_module: 'builtins' });
  expect((await api.request('GET', '/api/tasks/t-retry')).body)
    .toEqual({ task_id: 't-retry', state: 'RETRY', retry_reason: { type: 'ConnectionResetError', message: 'smtp connection reset' } });

  await store('t-failed', 'FAILURE', { exc_type: 'ValueError', exc_message: ['invalid arguments'], exc_module: 'builtins' });
  expect((await api.request('GET', '/api/tasks/t-failed')).body)
    .toEqual({ task_id: 't-failed', state: 'FAILURE', error: { type: 'ValueError', message: 'invalid arguments' } });
});

it('GET /certificates/{enrollment_id} shows what a worker recorded and serves its PDF from the file store', async () => {
  const user = await register('barbara@example.com', 'Barbara Liskov');
  const course = await api.seedCourse(1, 'Data Abstraction');
  const enrolled = await api.request('POST', '/enrollments', { user_id: user.id, course_id: course.courseId });
  await takeMessage('emails');
  const pdf = Buffer.from('%PDF-1.7\n% a certificate as the worker stored it\n');
  mkdirSync(join(dir, 'storage', 'certificates'), { recursive: true });
  writeFileSync(join(dir, 'storage', 'certificates', 'CERT-2026-0001.pdf'), pdf);
  const db = new Database(sqlitePath);
  try {
    db.prepare('INSERT INTO certificates (id, enrollment_id, certificate_number, file_key, issued_at) VALUES (?, ?, ?, ?, ?)')
      .run('cert-1', enrolled.body.id, 'CERT-2026-0001', 'certificates/CERT-2026-0001.pdf', '2026-01-02T03:04:05.000Z');
  } finally {
    db.close();
  }
  expect((await api.request('GET', `/certificates/${enrolled.body.id}`)).body).toEqual({
    id: 'cert-1', enrollment_id: enrolled.body.id, certificate_number: 'CERT-2026-0001', file_key: 'certificates/CERT-2026-0001.pdf',
    issued_at: '2026-01-02T03:04:05.000Z', notified_at: null, student_name: 'Barbara Liskov', course_title: 'Data Abstraction',
    download_url: `/certificates/${enrolled.body.id}/download`,
  });
  const download = await fetch(`${api.baseUrl}/certificates/${enrolled.body.id}/download`);
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toBe('application/pdf');
  expect(Buffer.from(await download.arrayBuffer())).toEqual(pdf);
});

it('a certificate file_key pointing outside the file store is not served', async () => {
  const user = await register('frances@example.com', 'Frances Allen');
  const course = await api.seedCourse(1, 'Compilers');
  const enrolled = await api.request('POST', '/enrollments', { user_id: user.id, course_id: course.courseId });
  await takeMessage('emails');
  const db = new Database(sqlitePath);
  try {
    db.prepare('INSERT INTO certificates (id, enrollment_id, certificate_number, file_key, issued_at) VALUES (?, ?, ?, ?, ?)')
      .run('cert-2', enrolled.body.id, 'CERT-2026-0002', '../lms.db', '2026-01-02T03:04:05.000Z');
  } finally {
    db.close();
  }
  expect((await fetch(`${api.baseUrl}/certificates/${enrolled.body.id}/download`)).status).toBe(404);
});

it('the API creates the same SQLite tables as the workers\' schema (src/tasks/store)', () => {
  const describeTables = (db: Database.Database): Record<string, unknown> => Object.fromEntries(LMS_TABLES.map((table) => [table, {
    columns: db.prepare(`PRAGMA table_info(${table})`).all(),
    indexes: (db.prepare(`PRAGMA index_list(${table})`).all() as Array<{ name: string; unique: number }>)
      .map((ix) => ({ unique: ix.unique, columns: db.prepare(`PRAGMA index_info(${ix.name})`).all().map((c) => (c as { name: string }).name) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    foreignKeys: db.prepare(`PRAGMA foreign_key_list(${table})`).all(),
  }]));
  const workers = new Database(':memory:');
  const fromApi = new Database(sqlitePath, { readonly: true });
  try {
    for (const statement of SQLITE_LMS_SCHEMA) workers.exec(statement);
    expect(describeTables(fromApi)).toEqual(describeTables(workers));
  } finally {
    workers.close();
    fromApi.close();
  }
});

describe('on PostgreSQL (DATABASE_URL, psycopg)', () => {
  let pg: PostgresServer;
  let pgApi: LmsApi;
  let pgBroker: Redis;
  let apiDbUrl: string;

  beforeAll(async () => {
    pg = await startPostgresServer();
    apiDbUrl = await pg.createDatabase('lms_api');
    // its own broker DB, so its queues do not meet the SQLite API's
    pgBroker = new Redis(redis.url(3));
    pgApi = await startLmsApi({ brokerUrl: redis.url(3), backendUrl: redis.url(4), databaseUrl: apiDbUrl });
  });

  afterAll(async () => {
    await pgApi?.stop();
    pgBroker?.disconnect();
    await pg?.stop();
  });

  it('register, seed, enrol and complete a lesson write PostgreSQL and queue the tasks', async () => {
    const reg = await pgApi.request('POST', '/register', { email: 'edsger@example.com', full_name: 'Edsger Dijkstra' });
    expect(reg.status).toBe(201);
    expect(await takeMessage('emails', pgBroker)).toMatchObject({
      task: 'app.tasks.email_tasks.send_welcome_email', id: reg.body.task_id,
      kwargs: { user_id: reg.body.id, email: 'edsger@example.com', full_name: 'Edsger Dijkstra' },
    });
    expect((await pgApi.request('POST', '/register', { email: 'edsger@example.com', full_name: 'E. W. D.' })).status).toBe(409);
    const course = await pgApi.seedCourse(2, 'Structured Programming');
    const enrolled = await pgApi.request('POST', '/enrollments', { user_id: reg.body.id, course_id: course.courseId });
    expect(enrolled.status).toBe(201);
    const done = await pgApi.request('POST', `/lessons/${course.lessonIds[0]}/complete`, { user_id: reg.body.id });
    expect(done.status).toBe(202);
    await takeMessage('emails', pgBroker);
    expect(await takeMessage('progress', pgBroker)).toMatchObject({
      task: 'app.tasks.progress_tasks.update_lesson_completion',
      kwargs: { enrollment_id: enrolled.body.id, lesson_id: course.lessonIds[0], user_id: reg.body.id },
    });
    const client = new Client({ connectionString: apiDbUrl });
    await client.connect();
    try {
      const user = await client.query('SELECT email, full_name, created_at FROM users WHERE id = $1', [reg.body.id]);
      expect(user.rows).toEqual([{ email: 'edsger@example.com', full_name: 'Edsger Dijkstra', created_at: expect.any(Date) }]);
      const lessons = await client.query('SELECT position FROM lessons WHERE course_id = $1 ORDER BY position', [course.courseId]);
      expect(lessons.rows).toEqual([{ position: 1 }, { position: 2 }]);
    } finally {
      await client.end();
    }
    expect((await pgApi.request('GET', '/health/detailed')).body.components.database).toMatchObject({ status: 'healthy', dialect: 'postgresql' });
  });

  it('the API\'s tables equal the workers\' migration, which then runs on them unchanged', async () => {
    const workersUrl = await pg.createDatabase('lms_workers');
    const describeDb = async (url: string): Promise<unknown> => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const columns = await client.query(`SELECT table_name, column_name, data_type, is_nullable, column_default
          FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`);
        const constraints = await client.query(`SELECT conrelid::regclass::text AS table_name, contype, pg_get_constraintdef(oid) AS def
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2, 3`);
        const indexes = await client.query(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`);
        return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
      } finally {
        await client.end();
      }
    };
    for (const url of [workersUrl, apiDbUrl]) {
      const pool = new Pool({ connectionString: url });
      try {
        await migratePostgresLmsSchema(pool);
      } finally {
        await pool.end();
      }
    }
    const fromApi = await describeDb(apiDbUrl) as { columns: Array<{ table_name: string }> };
    expect(new Set(fromApi.columns.map((c) => c.table_name))).toEqual(new Set(LMS_TABLES));
    expect(fromApi).toEqual(await describeDb(workersUrl));
  });
});
