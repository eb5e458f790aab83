import pino from 'pino';
import { createExportTasks, STUDENT_CSV_COLUMNS } from '../../../../src/tasks/export/create-export-tasks';
import type { StudentExportFilters, StudentExportRow, StudentExportSource } from '../../../../src/tasks/export/student-export-source';
import { MemoryFileStore } from '../../../../src/tasks/file-store/memory-file-store';

function row(i: number, over: Partial<StudentExportRow> = {}): StudentExportRow {
  return { studentId: `u${i}`, email: `s${i}@example.com`, fullName: `Student ${i}`, phoneNumber: null, registeredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    enrollmentId: `e${i}`, courseId: 'c1', courseTitle: 'Course', status: 'active', progressPercentage: i, enrolledAt: new Date(Date.UTC(2026, 0, 2)),
    completedAt: null, certificateNumber: null, ...over };
}

class FakeSource implements StudentExportSource {
  calls: Array<{ filters: StudentExportFilters; pageSize: number }> = [];
  constructor(private readonly rows: StudentExportRow[]) {}
  async *streamStudentRows(filters: StudentExportFilters, pageSize: number) {
    this.calls.push({ filters, pageSize });
    yield* this.rows;
  }
}

const ctx = (id = 'task-1') => ({ log: pino({ level: 'silent' }), signal: new AbortController().signal, request: { id } as never });

describe('export_students_csv', () => {
  it('streams a header and one quoted CSV record per row into the FileStore and says where', async () => {
    const files = new MemoryFileStore();
    const source = new FakeSource([row(1), row(2, { fullName: 'Smith, "Jo"\nJr', completedAt: new Date('2026-02-01T00:00:00Z'), certificateNumber: 'CERT-2' })]);
    const tasks = createExportTasks({ students: source, files, pageSize: 50 });
    const result = await tasks.exportStudentsCsv(ctx('abc'), { course_id: 7, status: 'active' });
    expect(result).toMatchObject({ key: 'exports/students-abc.csv', rows: 2, content_type: 'text/csv', filters: { course_id: '7', status: 'active' } });
    expect(source.calls).toEqual([{ filters: { courseId: '7', status: 'active' }, pageSize: 50 }]);
    const text = Buffer.from((await files.get(result.key))!).toString('utf8');
    expect(result.size_bytes).toBe(Buffer.byteLength(text));
    const lines = text.split('\n');
    expect(lines[0]).toBe(STUDENT_CSV_COLUMNS.join(','));
    expect(lines[1]).toBe('u1,s1@example.com,Student 1,,2026-01-01T00:00:01.000Z,e1,c1,Course,active,1,2026-01-02T00:00:00.000Z,,');
    expect(text).toContain('"Smith, ""Jo""\nJr"');
    expect(text).toContain(',2026-02-01T00:00:00.000Z,CERT-2\n');
  });

  it('writes only the header for no rows, and accepts null filters', async () => {
    const files = new MemoryFileStore();
    const r = await createExportTasks({ students: new FakeSource([]), files }).exportStudentsCsv(ctx(), null);
    expect(r.rows).toBe(0);
    expect(Buffer.from((await files.get(r.key))!).toString()).toBe(`${STUDENT_CSV_COLUMNS.join(',')}\n`);
  });

  it('refuses unknown filters and statuses', async () => {
    const tasks = createExportTasks({ students: new FakeSource([]), files: new MemoryFileStore() });
    await expect(tasks.exportStudentsCsv(ctx(), { colour: 'red' })).rejects.toMatchObject({ pythonType: 'ValueError' });
    await expect(tasks.exportStudentsCsv(ctx(), { status: 'gone' })).rejects.toMatchObject({ pythonType: 'ValueError' });
  });
});
