import type { CertificateRow, CourseRow, EnrollmentRow, LessonCompletionRow, LessonRow, LmsRows, SessionRow, UserRow } from './lms-rows';

/** An enrollment as the memory tables keep it: the row plus the dispatch columns. */
export interface MemoryEnrollment extends Required<Omit<EnrollmentRow, 'completedAt'>> {
  completedAt: Date | null;
  dispatchClaimedAt: Date | null;
  dispatchedAt: Date | null;
}

/** A stored notification. */
export interface MemoryNotification { id: string; userId: string; title: string; message: string; idempotencyKey: string | null; createdAt: Date }

/** A queued outbound message. */
export interface MemoryOutboundMessage { id: string; idempotencyKey: string; phoneNumber: string; messageType: string; body: string; createdAt: Date }

/**
 * The shared LMS tables in memory, for the in-memory stores (unit tests, the contract suites'
 * reference implementation). Same constraints as the SQL schema where the stores rely on them.
 */
export class MemoryLmsTables {
  readonly users = new Map<string, UserRow>();
  readonly courses = new Map<string, CourseRow>();
  readonly lessons = new Map<string, LessonRow>();
  readonly enrollments = new Map<string, MemoryEnrollment>();
  /** Key `${enrollmentId}\u0000${lessonId}`. */
  readonly lessonCompletions = new Map<string, LessonCompletionRow>();
  readonly certificates = new Map<string, CertificateRow>();
  readonly sessions = new Map<string, SessionRow>();
  readonly notifications: MemoryNotification[] = [];
  readonly outboundMessages: MemoryOutboundMessage[] = [];

  /** Inserts rows; a duplicate primary key or a missing parent throws, as the database would. */
  insert(rows: LmsRows): void {
    for (const u of rows.users ?? []) put(this.users, u.id, u);
    for (const c of rows.courses ?? []) put(this.courses, c.id, c);
    for (const l of rows.lessons ?? []) { need(this.courses, l.courseId, 'course'); put(this.lessons, l.id, l); }
    for (const e of rows.enrollments ?? []) {
      need(this.users, e.userId, 'user');
      need(this.courses, e.courseId, 'course');
      put(this.enrollments, e.id, { status: 'active', progressPercentage: 0, ...e, completedAt: e.completedAt ?? null, dispatchClaimedAt: null, dispatchedAt: null });
    }
    for (const lc of rows.lessonCompletions ?? []) put(this.lessonCompletions, completionKey(lc.enrollmentId, lc.lessonId), lc);
    for (const c of rows.certificates ?? []) { need(this.enrollments, c.enrollmentId, 'enrollment'); put(this.certificates, c.id, c); }
    for (const s of rows.sessions ?? []) { need(this.users, s.userId, 'user'); put(this.sessions, s.id, s); }
  }
}

/** Key of `lessonCompletions`. */
export function completionKey(enrollmentId: string, lessonId: string): string {
  return `${enrollmentId}\u0000${lessonId}`;
}

function put<T>(map: Map<string, T>, id: string, row: T): void {
  if (map.has(id)) throw new Error(`duplicate id ${id}`);
  map.set(id, row);
}

function need(map: Map<string, unknown>, id: string, what: string): void {
  if (!map.has(id)) throw new Error(`no ${what} ${id}`);
}
