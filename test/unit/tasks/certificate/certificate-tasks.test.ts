import { TaskArgumentError } from '../../../../src/app/bind-arguments';
import { EnrollmentNotCompleted, EnrollmentNotFound } from '../../../../src/tasks/certificate/certificate-errors';
import { buildFollowUpId } from '../../../../src/tasks/certificate/certificate-number';
import { createCertificateTasks, type CertificateDeps, type CertificateTaskSender } from '../../../../src/tasks/certificate/certificate-tasks';
import { MemoryCertificateStore } from '../../../../src/tasks/certificate/memory-certificate-store';
import { MemoryFileStore } from '../../../../src/tasks/file-store/memory-file-store';

const COMPLETED = new Date('2026-03-01T10:00:00Z');
const NOW = new Date('2026-03-01T10:05:00Z');
const run = { request: { id: 'task-1' } };

function setup(overrides: Partial<CertificateDeps> = {}) {
  const store = new MemoryCertificateStore();
  store.addEnrollment({ enrollmentId: 'e1', studentId: 'u1', studentName: 'Ada Lovelace', studentEmail: 'ada@example.org', courseId: 'c1',
    courseTitle: 'Maths 101', completedAt: COMPLETED });
  store.addEnrollment({ enrollmentId: 'e2', studentId: 'u2', studentName: 'Bob', studentEmail: 'bob@example.org', courseId: 'c1',
    courseTitle: 'Maths 101', completedAt: null });
  const files = new MemoryFileStore();
  const sent: Array<{ name: string; args: unknown[]; taskId: string; queue?: string }> = [];
  const sender: CertificateTaskSender = {
    sendTask: async (name, args, _kwargs, options) => { sent.push({ name, args, ...options }); return { id: options.taskId }; },
  };
  const deps: CertificateDeps = { store, files, sender, issuerName: 'LMS Academy', now: () => NOW,
    webhookTask: { name: 'app.tasks.webhook_tasks.deliver_webhook', queue: 'webhooks', url: 'https://hooks.example.com/lms' },
    downloadUrl: (c) => `https://lms.example/certificates/${c.certificateNumber}.pdf`, ...overrides };
  return { store, files, sent, deps, tasks: createCertificateTasks(deps) };
}

describe('generate_certificate', () => {
  it('renders the PDF, stores it under its number, records the certificate and sends the email and webhook follow-ups', async () => {
    const { store, files, sent, tasks } = setup();
    const result = await tasks.generateCertificate(run, 'e1');
    expect(result).toMatchObject({ enrollment_id: 'e1', created: true, issued_at: NOW.toISOString() });
    expect(result.certificate_number).toMatch(/^CERT-2026-/);
    expect(result.file_key).toBe(`certificates/${result.certificate_number}.pdf`);
    expect(result.location).toBe(`memory:${result.file_key}`);
    expect(Buffer.from((await files.get(result.file_key)) ?? []).subarray(0, 5).toString()).toBe('%PDF-');
    expect(store.allCertificates()).toEqual([{ certificateNumber: result.certificate_number, enrollmentId: 'e1', fileKey: result.file_key,
      issuedAt: NOW, notifiedAt: NOW }]);
    const emailId = buildFollowUpId('email', result.certificate_number);
    const webhookId = buildFollowUpId('webhook', result.certificate_number);
    expect(result.notifications).toEqual({ email: emailId, webhook: webhookId });
    expect(sent).toEqual([
      { name: 'app.tasks.email_tasks.send_certificate_issued_email', queue: 'emails', taskId: emailId,
        args: ['ada@example.org', 'Ada Lovelace', 'Maths 101', result.certificate_number, `https://lms.example/certificates/${result.certificate_number}.pdf`] },
      { name: 'app.tasks.webhook_tasks.deliver_webhook', queue: 'webhooks', taskId: webhookId,
        args: ['certificate.issued', expect.objectContaining({ certificate_number: result.certificate_number, enrollment_id: 'e1',
          student_name: 'Ada Lovelace', course_title: 'Maths 101', completed_at: COMPLETED.toISOString() }), 'https://hooks.example.com/lms'] },
    ]);
  });

  it('is idempotent: a second run (retry, redelivery) yields the same certificate, one file, no second notification', async () => {
    const { store, files, sent, tasks } = setup();
    const first = await tasks.generateCertificate(run, 'e1');
    const second = await tasks.generateCertificate({ request: { id: 'task-2' } }, 'e1');
    expect(second).toMatchObject({ certificate_number: first.certificate_number, file_key: first.file_key, created: false,
      notifications: { email: null, webhook: null } });
    expect(store.allCertificates()).toHaveLength(1);
    expect((await files.list()).map((f) => f.key)).toEqual([first.file_key]);
    expect(sent).toHaveLength(2);
  });

  it('two racing runs end with one certificate and one file', async () => {
    const { store, files, tasks } = setup({ sender: null });
    const [a, b] = await Promise.all([tasks.generateCertificate(run, 'e1'), tasks.generateCertificate(run, 'e1')]);
    expect(a.certificate_number).toBe(b.certificate_number);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(store.allCertificates()).toHaveLength(1);
    expect(await files.list()).toHaveLength(1);
  });

  it('resends follow-ups (same task ids) when a crash came between recording and marking them sent', async () => {
    const { store, sent, deps } = setup();
    let failOnce = true;
    const flaky: CertificateTaskSender = { sendTask: async (name, args, kwargs, options) => {
      if (failOnce && name.includes('webhook')) { failOnce = false; throw new Error('broker down'); }
      return deps.sender?.sendTask(name, args, kwargs, options) as Promise<{ id: string }>;
    } };
    const tasks = createCertificateTasks({ ...deps, sender: flaky });
    await expect(tasks.generateCertificate(run, 'e1')).rejects.toThrow('broker down');
    expect(store.allCertificates()[0]?.notifiedAt).toBeNull();
    const again = await tasks.generateCertificate(run, 'e1');
    expect(again.created).toBe(false);
    expect(sent.map((s) => s.taskId)).toEqual([again.notifications.email, again.notifications.email, again.notifications.webhook]);
    expect(store.allCertificates()[0]?.notifiedAt).toEqual(NOW);
  });

  it('renders the file again when the record exists but the file is gone', async () => {
    const { files, tasks } = setup();
    const first = await tasks.generateCertificate(run, 'e1');
    const original = Buffer.from((await files.get(first.file_key)) ?? []);
    await files.delete(first.file_key);
    await tasks.generateCertificate(run, 'e1');
    expect(Buffer.from((await files.get(first.file_key)) ?? []).equals(original)).toBe(true);
  });

  it('fails with typed errors for an unknown or unfinished enrollment and bad arguments, recording nothing', async () => {
    const { store, files, tasks } = setup();
    await expect(tasks.generateCertificate(run, 'nope')).rejects.toBeInstanceOf(EnrollmentNotFound);
    await expect(tasks.generateCertificate(run, 'e2')).rejects.toBeInstanceOf(EnrollmentNotCompleted);
    await expect(tasks.generateCertificate(run, '')).rejects.toBeInstanceOf(TaskArgumentError);
    await expect(tasks.generateCertificate(run, 1.5)).rejects.toBeInstanceOf(TaskArgumentError);
    expect(store.allCertificates()).toEqual([]);
    expect(await files.list()).toEqual([]);
  });

  it('builds its dependencies from the factory once, on first use, and tries again after the factory failed', async () => {
    const { deps } = setup({ sender: null });
    let calls = 0;
    const tasks = createCertificateTasks(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database not reachable');
      return deps;
    });
    expect(calls).toBe(0);
    await expect(tasks.generateCertificate(run, 'e1')).rejects.toThrow('database not reachable');
    await tasks.generateCertificate(run, 'e1');
    await tasks.generateCertificate(run, 'e1');
    expect(calls).toBe(2);
  });
});
