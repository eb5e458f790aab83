import { TaskArgumentError } from '../../../../src/app/bind-arguments';
import { PermanentMailError, TransientMailError } from '../../../../src/tasks/email/email-errors';
import { createEmailTasks, EMAIL_RETRY_OPTIONS } from '../../../../src/tasks/email/email-tasks';
import { MemoryMailer } from '../../../../src/tasks/email/memory-mailer';

const run = (id: string, retries = 0) => ({ request: { id, retries } });
const setup = () => {
  const mailer = new MemoryMailer();
  const tasks = createEmailTasks({ mailer, from: 'LMS <no-reply@lms.example>', messageIdDomain: 'lms.example',
    branding: { appName: 'LMS', baseUrl: 'https://lms.example' } });
  return { mailer, tasks };
};

describe('email tasks', () => {
  it('send_welcome_email sends one mail to the address, with the name, and returns its Message-ID', async () => {
    const { mailer, tasks } = setup();
    const result = await tasks.sendWelcomeEmail(run('task-1'), 42, 'ada@example.org', 'Ada Lovelace');
    expect(result).toEqual({ message_id: '<celeriac.task-1@lms.example>', to: 'ada@example.org', template: 'welcome',
      accepted: ['ada@example.org'], rejected: [] });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'ada@example.org', from: 'LMS <no-reply@lms.example>', messageId: '<celeriac.task-1@lms.example>',
      headers: { 'X-Celeriac-Task-Id': 'task-1', 'X-Celeriac-Template': 'welcome' } });
    expect(mailer.sent[0]?.text).toContain('Ada Lovelace');
  });

  it('keeps the Message-ID across retries of the same task, and changes it for another task', async () => {
    const { mailer, tasks } = setup();
    mailer.failNext(new TransientMailError('451 try later', { responseCode: 451, command: 'RCPT TO', errorCode: 'EENVELOPE' }));
    await expect(tasks.sendEmail(run('t-9', 0), 'a@example.org', 'Hi', '<p>x</p>')).rejects.toBeInstanceOf(TransientMailError);
    await tasks.sendEmail(run('t-9', 1), 'a@example.org', 'Hi', '<p>x</p>');
    await tasks.sendEmail(run('t-10', 0), 'a@example.org', 'Hi', '<p>x</p>');
    expect(mailer.attempts.map((m) => m.messageId)).toEqual(['<celeriac.t-9@lms.example>', '<celeriac.t-9@lms.example>', '<celeriac.t-10@lms.example>']);
  });

  it('lets the typed mail errors through for autoretryFor to judge (transient named in the retry options, permanent not)', async () => {
    const { mailer, tasks } = setup();
    mailer.failNext(new PermanentMailError('550 no such user', { responseCode: 550, command: 'RCPT TO', errorCode: 'EENVELOPE' }));
    await expect(tasks.sendCourseCompletionEmail(run('t'), 'a@example.org', 'Ada', 'Maths')).rejects.toBeInstanceOf(PermanentMailError);
    expect(EMAIL_RETRY_OPTIONS.autoretryFor).toEqual(['TransientMailError']);
    expect(EMAIL_RETRY_OPTIONS.maxRetries).toBeGreaterThanOrEqual(3);
    expect(EMAIL_RETRY_OPTIONS.maxRetries).toBeLessThanOrEqual(5);
  });

  it('rejects bad arguments with a ValueError naming each field, and sends nothing', async () => {
    const { mailer, tasks } = setup();
    const err = await tasks.sendWelcomeEmail(run('t'), null, 'not-an-address', '').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskArgumentError);
    expect((err as TaskArgumentError).pythonType).toBe('ValueError');
    expect((err as Error).message).toMatch(/send_welcome_email.*userId.*email.*fullName/);
    await expect(tasks.sendEmail(run('t'), 'a@example.org', 'Bcc: x@y\r\nSubject', '<p>x</p>')).rejects.toThrow(/no line breaks/);
    expect(mailer.attempts).toHaveLength(0);
  });

  it('renders every template with its data; send_email derives the text part from the HTML', async () => {
    const { mailer, tasks } = setup();
    await tasks.sendPasswordResetEmail(run('a'), 'a@example.org', 'tok123');
    await tasks.sendEmailVerification(run('b'), 'a@example.org', 'ver456', 'Ada');
    await tasks.sendEnrollmentConfirmation(run('c'), 'a@example.org', 'Ada', 'Maths 101');
    await tasks.sendCertificateIssuedEmail(run('d'), 'a@example.org', 'Ada', 'Maths 101', 'CERT-2026-AAAA', null);
    await tasks.sendEmail(run('e'), 'a@example.org', 'News', '<h1>Big</h1><p>news &amp; more</p>');
    const [reset, verify, enrol, cert, generic] = mailer.sent;
    expect(reset?.text).toContain('https://lms.example/reset-password?token=tok123');
    expect(verify?.text).toContain('https://lms.example/verify-email?token=ver456');
    expect(enrol?.subject).toBe('You are enrolled in Maths 101');
    expect(cert?.text).toContain('Certificate number: CERT-2026-AAAA');
    expect(generic).toMatchObject({ subject: 'News', html: '<h1>Big</h1><p>news &amp; more</p>', text: 'Big\nnews & more' });
  });
});
