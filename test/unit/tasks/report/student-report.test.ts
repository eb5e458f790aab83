import pino from 'pino';
import { createReportTasks, StudentNotFoundError } from '../../../../src/tasks/report/create-report-tasks';
import type { StudentReportData, StudentReportSource } from '../../../../src/tasks/report/student-report-source';

const d = (s: string) => new Date(s);
const data: StudentReportData = {
  student: { id: 'u1', email: 'ada@example.com', fullName: 'Ada', phoneNumber: null, createdAt: d('2026-01-01T00:00:00Z') },
  enrollments: [
    { id: 'e1', courseId: 'c1', courseTitle: 'One', status: 'completed', progressPercentage: 100, completedLessons: 3, totalLessons: 3, enrolledAt: d('2026-01-02T00:00:00Z'), completedAt: d('2026-02-01T00:00:00Z') },
    { id: 'e2', courseId: 'c2', courseTitle: 'Two', status: 'active', progressPercentage: 33.34, completedLessons: 1, totalLessons: 3, enrolledAt: d('2026-01-03T00:00:00Z'), completedAt: null },
    { id: 'e3', courseId: 'c3', courseTitle: 'Three', status: 'cancelled', progressPercentage: 0, completedLessons: 0, totalLessons: 2, enrolledAt: d('2026-01-04T00:00:00Z'), completedAt: null },
  ],
  certificates: [{ id: 'k1', enrollmentId: 'e1', courseTitle: 'One', certificateNumber: 'CERT-1', issuedAt: d('2026-02-01T01:00:00Z') }],
};

class FakeSource implements StudentReportSource {
  async loadStudentReport(id: string) { return id === 'u1' ? data : null; }
}

describe('generate_student_report', () => {
  const tasks = createReportTasks({ reports: new FakeSource(), now: () => d('2026-03-01T00:00:00Z') });
  const task = { log: pino({ level: 'silent' }) };

  it('builds the JSON report with a summary, per-enrollment progress and certificates', async () => {
    const r = await tasks.generateStudentReport(task, 'u1');
    expect(r.summary).toEqual({ enrollments: 3, active: 1, completed: 1, cancelled: 1, average_progress: 66.67, lessons_completed: 4, certificates: 1 });
    expect(r.enrollments[0]).toEqual({ enrollment_id: 'e1', course_id: 'c1', course_title: 'One', status: 'completed', progress_percentage: 100,
      completed_lessons: 3, total_lessons: 3, enrolled_at: '2026-01-02T00:00:00.000Z', completed_at: '2026-02-01T00:00:00.000Z', certificate_number: 'CERT-1' });
    expect(r.enrollments[1]!.certificate_number).toBeNull();
    expect(r.certificates).toEqual([{ certificate_id: 'k1', enrollment_id: 'e1', course_title: 'One', certificate_number: 'CERT-1', issued_at: '2026-02-01T01:00:00.000Z' }]);
    expect(r.student).toEqual({ id: 'u1', email: 'ada@example.com', full_name: 'Ada', phone_number: null, registered_at: '2026-01-01T00:00:00.000Z' });
    expect(r.generated_at).toBe('2026-03-01T00:00:00.000Z');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('fails with StudentNotFoundError for an unknown student, ValueError for a bad id', async () => {
    await expect(tasks.generateStudentReport(task, 'ghost')).rejects.toBeInstanceOf(StudentNotFoundError);
    await expect(tasks.generateStudentReport(task, '')).rejects.toMatchObject({ pythonType: 'ValueError' });
  });
});
