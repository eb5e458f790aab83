import type { LmsRows } from '../../../../src/tasks/store/lms-rows';

/** One student in one course of `lessons` lessons (ids `u1`, `c1`, `l1..lN`, `e1`), plus a second student. */
export function buildCourseFixture(lessons: number, at = new Date('2026-03-01T10:00:00Z')): LmsRows {
  return {
    users: [
      { id: 'u1', email: 'ada@example.com', fullName: 'Ada Lovelace', phoneNumber: '+4915112345678', createdAt: at },
      { id: 'u2', email: 'alan@example.com', fullName: 'Alan Turing', createdAt: at },
    ],
    courses: [{ id: 'c1', title: 'Analytical Engines', createdAt: at }, { id: 'c2', title: 'Other Course', createdAt: at }],
    lessons: [
      ...Array.from({ length: lessons }, (_, i) => ({ id: `l${i + 1}`, courseId: 'c1', title: `Lesson ${i + 1}`, position: i + 1 })),
      { id: 'x1', courseId: 'c2', title: 'Elsewhere', position: 1 },
    ],
    enrollments: [{ id: 'e1', userId: 'u1', courseId: 'c1', enrolledAt: at }, { id: 'e2', userId: 'u2', courseId: 'c1', enrolledAt: at }],
  };
}
