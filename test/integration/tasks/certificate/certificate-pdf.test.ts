// generate_certificate for real: on the worker's threads pool (the thread loads the app module by
// path and builds its dependencies there), written to a DirectoryFileStore, and the PDF's text read
// back by pypdf (a PDF library outside this project).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import pino from 'pino';
import type { Celery } from '../../../../src/app/celery';
import { MemoryResultBackend } from '../../../../src/backend/memory-result-backend';
import { loadConfig } from '../../../../src/config/load-config';
import { renderCertificatePdf } from '../../../../src/tasks/certificate/render-certificate-pdf';
import { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import { Worker } from '../../../../src/worker/worker';
import { wireTask } from '../../../helpers/task-wire';

jest.setTimeout(90_000);

const APP_PATH = join(__dirname, 'fixtures', 'certificate-app.js');
const PYTHON = join(process.env.CELERIAC_VENV ?? join(__dirname, '../../../../.venv'), 'bin', 'python');
const TASK = 'app.tasks.certificate_tasks.generate_certificate';

/** The text of every page, as pypdf extracts it. */
function pdfText(path: string): Promise<string> {
  const script = 'import sys, pypdf\nr = pypdf.PdfReader(sys.argv[1])\nprint("\\n".join(p.extract_text() for p in r.pages))';
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', script, path], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

let dir = '';
let worker: Worker | null = null;
let configFile: string | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'celeriac-certs-'));
});

afterEach(async () => {
  await worker?.close();
  worker = null;
  if (configFile) await rm(configFile, { force: true });
  configFile = null;
  await rm(dir, { recursive: true, force: true });
});

describe('generate_certificate on the threads pool', () => {
  it('renders in a pool thread, stores one PDF whose text pypdf reads back, and a second run reuses it', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const app = require(APP_PATH) as Celery & { configPath: () => string };
    configFile = app.configPath();
    await writeFile(configFile, JSON.stringify({ dir, enrollments: [{ enrollmentId: 'enr-42', studentId: 'u1', studentName: 'Ada Lovelace',
      studentEmail: 'ada@example.org', courseId: 'c1', courseTitle: 'Analytical Engines 101', completedAt: '2026-03-01T10:00:00Z' }] }));
    const transport = new MemoryTransport();
    const backend = new MemoryResultBackend();
    worker = new Worker({ app, transport, backend, settings: loadConfig({}, { worker_concurrency: 1, worker_queues: ['certificates'] }),
      hostname: 'ts1@test', logger: pino({ level: 'silent' }), appPath: APP_PATH, followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
    await worker.start();
    const route = { exchange: '', routingKey: 'certificates' };

    const first = wireTask(TASK, [], { kwargs: { enrollment_id: 'enr-42' } });
    await transport.publish(first, route);
    const done = await backend.waitForResult(String(first.headers.id), 80_000);
    expect({ status: done.status, error: done.status === 'SUCCESS' ? null : done.result }).toEqual({ status: 'SUCCESS', error: null });
    const result = done.result as Record<string, unknown>;
    expect(result).toMatchObject({ enrollment_id: 'enr-42', created: true });
    expect(result.thread).not.toBe(threadId);
    const number = String(result.certificate_number);
    expect(result.location).toBe(join(dir, 'certificates', `${number}.pdf`));

    const text = await pdfText(String(result.location));
    expect(text).toContain('Certificate of Completion');
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('Analytical Engines 101');
    expect(text).toContain('1 March 2026');
    expect(text).toContain(`Certificate No. ${number}`);

    const second = wireTask(TASK, ['enr-42']);
    await transport.publish(second, route);
    const again = await backend.waitForResult(String(second.headers.id), 30_000);
    expect(again.result).toMatchObject({ certificate_number: number, created: false, thread: result.thread });
    expect(await readdir(join(dir, 'certificates'))).toEqual([`${number}.pdf`]);
  });

  it('keeps non-ASCII names extractable (WinAnsi letters as they are, others without their accents)', async () => {
    const path = join(dir, 'zoe.pdf');
    const bytes = await renderCertificatePdf({ studentName: 'Zoë Dvořák-Łukasiewicz', courseTitle: 'Café & Crème', certificateNumber: 'CERT-2026-0000-0000-0001',
      completedAt: new Date('2026-01-02T00:00:00Z'), issuerName: 'LMS' });
    await writeFile(path, bytes);
    const text = await pdfText(path);
    expect(text).toContain('Zoë Dvorák-Lukasiewicz');
    expect(text).toContain('Café & Crème');
  });
});
