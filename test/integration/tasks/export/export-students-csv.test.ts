import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createExportTasks, STUDENT_CSV_COLUMNS } from '../../../../src/tasks/export/create-export-tasks';
import { DirectoryFileStore } from '../../../../src/tasks/file-store/directory-file-store';
import { SqlStudentQueries } from '../../../../src/tasks/store/sql-student-queries';
import { startPostgresServer, type PostgresServer } from '../../../helpers/postgres-server';
import { createPostgresBackend, createSqliteBackend, type PostgresBackend, type SqliteBackend } from '../store/lms-store-backends';

const at = new Date('2026-03-01T10:00:00Z');

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes), to check the file independently of csv-stringify. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += ch;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

const STUDENTS = 1234;

async function seed(b: SqliteBackend | PostgresBackend): Promise<void> {
  const users = Array.from({ length: STUDENTS }, (_, i) => ({
    id: `s${String(i).padStart(5, '0')}`, email: `s${i}@example.com`, fullName: i === 7 ? 'O\'Neil, "Jo"\nSr.' : `Student ${i}`, createdAt: new Date(at.getTime() + i * 1000),
  }));
  await b.seed({ users, courses: [{ id: 'c1', title: 'Course, One', createdAt: at }, { id: 'c2', title: 'Two', createdAt: at }],
    enrollments: users.map((u, i) => ({ id: `e${String(i).padStart(5, '0')}`, userId: u.id, courseId: i % 3 === 0 ? 'c2' : 'c1', status: i % 5 === 0 ? 'completed' as const : 'active' as const, enrolledAt: at, progressPercentage: i % 101 })) });
  await b.seed({ certificates: [{ id: 'k7', enrollmentId: 'e00007', certificateNumber: 'CERT-7', fileKey: 'certificates/CERT-7.pdf', issuedAt: at }] });
}

function checkRows(csv: string[][], expectedIds: number[]): void {
  expect(csv[0]).toEqual([...STUDENT_CSV_COLUMNS]);
  const body = csv.slice(1);
  expect(body).toHaveLength(expectedIds.length);
  body.forEach((r, n) => {
    const i = expectedIds[n]!;
    const id = String(i).padStart(5, '0');
    expect(r).toEqual([`s${id}`, `s${i}@example.com`, i === 7 ? 'O\'Neil, "Jo"\nSr.' : `Student ${i}`, '', new Date(at.getTime() + i * 1000).toISOString(),
      `e${id}`, i % 3 === 0 ? 'c2' : 'c1', i % 3 === 0 ? 'Two' : 'Course, One', i % 5 === 0 ? 'completed' : 'active', String(i % 101),
      at.toISOString(), '', i === 7 ? 'CERT-7' : '']);
  });
}

function describeExport(name: string, open: () => Promise<SqliteBackend | PostgresBackend>): void {
  describe(`export_students_csv on ${name}`, () => {
    let b: SqliteBackend | PostgresBackend;
    let dir: string;
    beforeAll(async () => { b = await open(); await seed(b); dir = mkdtempSync(join(tmpdir(), 'celeriac-export-')); }, 60_000);
    afterAll(async () => { await b?.close(); rmSync(dir, { recursive: true, force: true }); });

    const run = (id: string, filters: unknown) => createExportTasks({ students: new SqlStudentQueries(b.sql), files: new DirectoryFileStore(dir), pageSize: 100 })
      .exportStudentsCsv({ log: pino({ level: 'silent' }), signal: new AbortController().signal, request: { id } as never }, filters);

    it('streams every student row into the storage directory; read back row by row', async () => {
      const r = await run('all-1', {});
      expect(r).toMatchObject({ key: 'exports/students-all-1.csv', rows: STUDENTS });
      const text = readFileSync(join(dir, 'exports/students-all-1.csv'), 'utf8');
      expect(r.size_bytes).toBe(Buffer.byteLength(text));
      checkRows(parseCsv(text), Array.from({ length: STUDENTS }, (_, i) => i));
    });

    it('applies course and status filters', async () => {
      const r = await run('f-1', { course_id: 'c1', status: 'completed' });
      const expected = Array.from({ length: STUDENTS }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 5 === 0);
      expect(r.rows).toBe(expected.length);
      checkRows(parseCsv(readFileSync(r.location, 'utf8')), expected);
    });
  });
}

describeExport('SQLite', async () => createSqliteBackend());

describe('PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => { server = await startPostgresServer(); }, 60_000);
  afterAll(async () => { await server?.stop(); });
  describeExport('PostgreSQL', () => createPostgresBackend(server));
});
