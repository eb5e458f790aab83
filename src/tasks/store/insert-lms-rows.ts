import type { LmsRows } from './lms-rows';
import type { SqlExecutor } from './sql-executor';

/** Inserts rows into the shared tables (parents first), one statement each, in either dialect. */
export async function insertLmsRows(sql: SqlExecutor, rows: LmsRows): Promise<void> {
  for (const u of rows.users ?? []) {
    await sql.run('INSERT INTO users (id, email, full_name, phone_number, role, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [u.id, u.email, u.fullName, u.phoneNumber ?? null, u.role ?? 'student', u.createdAt]);
  }
  for (const c of rows.courses ?? []) {
    await sql.run('INSERT INTO courses (id, title, description, created_at) VALUES (?, ?, ?, ?)', [c.id, c.title, c.description ?? null, c.createdAt]);
  }
  for (const l of rows.lessons ?? []) {
    await sql.run('INSERT INTO lessons (id, course_id, title, position) VALUES (?, ?, ?, ?)', [l.id, l.courseId, l.title, l.position ?? 0]);
  }
  for (const e of rows.enrollments ?? []) {
    await sql.run(`INSERT INTO enrollments (id, user_id, course_id, status, progress_percentage, enrolled_at, completed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`, [e.id, e.userId, e.courseId, e.status ?? 'active', e.progressPercentage ?? 0, e.enrolledAt, e.completedAt ?? null]);
  }
  for (const lc of rows.lessonCompletions ?? []) {
    await sql.run('INSERT INTO lesson_completions (enrollment_id, lesson_id, completed_at) VALUES (?, ?, ?)', [lc.enrollmentId, lc.lessonId, lc.completedAt]);
  }
  for (const c of rows.certificates ?? []) {
    await sql.run('INSERT INTO certificates (id, enrollment_id, certificate_number, file_key, issued_at) VALUES (?, ?, ?, ?, ?)',
      [c.id, c.enrollmentId, c.certificateNumber, c.fileKey, c.issuedAt]);
  }
  for (const s of rows.sessions ?? []) {
    await sql.run('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [s.id, s.userId, s.createdAt, s.expiresAt]);
  }
}
