/**
 * The database the Python app and the celeriac workers share (the seeds' LMS): one statement per
 * entry, each `CREATE ... IF NOT EXISTS`, so running them again changes nothing. Whichever side
 * starts first creates the tables (`migrateSqliteLmsSchema` / `migratePostgresLmsSchema` here,
 * `lms_api.db.migrate()` in examples/lms/api, whose copy of these statements must stay identical).
 *
 * Conventions, the same in both dialects so either side can write any row:
 * - ids are TEXT (UUID strings, or the string form of the app's integer ids);
 * - timestamps are `TIMESTAMPTZ` in PostgreSQL and UTC ISO-8601 TEXT in SQLite (queries compare them
 *   through `julianday()`, so SQLAlchemy's `YYYY-MM-DD HH:MM:SS` form works as well);
 * - `enrollments.progress_percentage` is 0..100, recomputed from `lesson_completions` on each
 *   completion; `completed_at` is set once, by the completion that reached 100 %;
 * - `completion_dispatch_claimed_at` / `completion_dispatched_at` record who sends the certificate
 *   chain and whether it went out (at most one sender at a time, re-sent only after a crash);
 * - `certificates.notified_at`: when the certificate's email and webhook follow-ups were sent.
 */

/** The tables the schema creates, in dependency order (interop-tests/lms-api.test.ts checks the Python copy against it). */
export const LMS_TABLES: readonly string[] = ['users', 'courses', 'lessons', 'enrollments', 'lesson_completions', 'certificates',
  'sessions', 'notifications', 'outbound_messages'];

function schema(ts: string, real: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      full_name TEXT NOT NULL,
      phone_number TEXT,
      role TEXT NOT NULL DEFAULT 'student',
      created_at ${ts} NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS courses (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      description TEXT,
      created_at ${ts} NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS lessons (
      id TEXT PRIMARY KEY,
      course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
      title TEXT NOT NULL,
      position INTEGER NOT NULL DEFAULT 0
    )`,
    'CREATE INDEX IF NOT EXISTS lessons_course_idx ON lessons (course_id)',
    `CREATE TABLE IF NOT EXISTS enrollments (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
      status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'cancelled')),
      progress_percentage ${real} NOT NULL DEFAULT 0,
      enrolled_at ${ts} NOT NULL,
      completed_at ${ts},
      completion_dispatch_claimed_at ${ts},
      completion_dispatched_at ${ts},
      UNIQUE (user_id, course_id)
    )`,
    'CREATE INDEX IF NOT EXISTS enrollments_course_idx ON enrollments (course_id)',
    `CREATE TABLE IF NOT EXISTS lesson_completions (
      enrollment_id TEXT NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
      lesson_id TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
      completed_at ${ts} NOT NULL,
      PRIMARY KEY (enrollment_id, lesson_id)
    )`,
    `CREATE TABLE IF NOT EXISTS certificates (
      id TEXT PRIMARY KEY,
      enrollment_id TEXT NOT NULL UNIQUE REFERENCES enrollments(id) ON DELETE CASCADE,
      certificate_number TEXT NOT NULL UNIQUE,
      file_key TEXT NOT NULL,
      issued_at ${ts} NOT NULL,
      notified_at ${ts}
    )`,
    `CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at ${ts} NOT NULL,
      expires_at ${ts} NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS sessions_expires_idx ON sessions (expires_at)',
    `CREATE TABLE IF NOT EXISTS notifications (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      title TEXT NOT NULL,
      message TEXT NOT NULL,
      idempotency_key TEXT UNIQUE,
      created_at ${ts} NOT NULL,
      read_at ${ts}
    )`,
    'CREATE INDEX IF NOT EXISTS notifications_user_idx ON notifications (user_id)',
    `CREATE TABLE IF NOT EXISTS outbound_messages (
      id TEXT PRIMARY KEY,
      idempotency_key TEXT NOT NULL UNIQUE,
      phone_number TEXT NOT NULL,
      message_type TEXT NOT NULL,
      body TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'queued',
      created_at ${ts} NOT NULL
    )`,
  ];
}

/** SQLite statements (better-sqlite3; foreign keys need `PRAGMA foreign_keys = ON` per connection). */
export const SQLITE_LMS_SCHEMA: readonly string[] = schema('TEXT', 'REAL');

/** PostgreSQL statements. */
export const POSTGRES_LMS_SCHEMA: readonly string[] = schema('TIMESTAMPTZ', 'DOUBLE PRECISION');
