"""The tables the API and the celeriac workers share, as src/tasks/store/lms-schema.ts creates them.

Both sides run these `CREATE ... IF NOT EXISTS` statements at startup, so whichever starts first
creates the tables. ids are TEXT (UUID strings); timestamps are TIMESTAMPTZ in PostgreSQL and UTC
ISO-8601 TEXT in SQLite. interop-tests/lms-api.test.ts checks that both definitions agree.
"""


def _statements(ts: str, real: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      full_name TEXT NOT NULL,
      phone_number TEXT,
      role TEXT NOT NULL DEFAULT 'student',
      created_at {ts} NOT NULL
    )""",
        f"""CREATE TABLE IF NOT EXISTS courses (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      description TEXT,
      created_at {ts} NOT NULL
    )""",
        """CREATE TABLE IF NOT EXISTS lessons (
      id TEXT PRIMARY KEY,
      course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
      title TEXT NOT NULL,
      position INTEGER NOT NULL DEFAULT 0
    )""",
        "CREATE INDEX IF NOT EXISTS lessons_course_idx ON lessons (course_id)",
        f"""CREATE TABLE IF NOT EXISTS enrollments (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
      status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'cancelled')),
      progress_percentage {real} NOT NULL DEFAULT 0,
      enrolled_at {ts} NOT NULL,
      completed_at {ts},
      completion_dispatch_claimed_at {ts},
      completion_dispatched_at {ts},
      UNIQUE (user_id, course_id)
    )""",
        "CREATE INDEX IF NOT EXISTS enrollments_course_idx ON enrollments (course_id)",
        f"""CREATE TABLE IF NOT EXISTS lesson_completions (
      enrollment_id TEXT NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
      lesson_id TEXT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
      completed_at {ts} NOT NULL,
      PRIMARY KEY (enrollment_id, lesson_id)
    )""",
        f"""CREATE TABLE IF NOT EXISTS certificates (
      id TEXT PRIMARY KEY,
      enrollment_id TEXT NOT NULL UNIQUE REFERENCES enrollments(id) ON DELETE CASCADE,
      certificate_number TEXT NOT NULL UNIQUE,
      file_key TEXT NOT NULL,
      issued_at {ts} NOT NULL,
      notified_at {ts}
    )""",
        f"""CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at {ts} NOT NULL,
      expires_at {ts} NOT NULL
    )""",
        "CREATE INDEX IF NOT EXISTS sessions_expires_idx ON sessions (expires_at)",
        f"""CREATE TABLE IF NOT EXISTS notifications (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      title TEXT NOT NULL,
      message TEXT NOT NULL,
      idempotency_key TEXT UNIQUE,
      created_at {ts} NOT NULL,
      read_at {ts}
    )""",
        "CREATE INDEX IF NOT EXISTS notifications_user_idx ON notifications (user_id)",
        f"""CREATE TABLE IF NOT EXISTS outbound_messages (
      id TEXT PRIMARY KEY,
      idempotency_key TEXT NOT NULL UNIQUE,
      phone_number TEXT NOT NULL,
      message_type TEXT NOT NULL,
      body TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'queued',
      created_at {ts} NOT NULL
    )""",
    ]


SQLITE_SCHEMA = _statements("TEXT", "REAL")
POSTGRES_SCHEMA = _statements("TIMESTAMPTZ", "DOUBLE PRECISION")
