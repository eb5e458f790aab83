// The email family against a real SMTP server (smtp-server) started here: nodemailer's SmtpMailer
// delivers, the worker engine (in-memory broker) retries a 451 with the same Message-ID, and a 550
// fails at once and is copied to the dead-letter queue.
import { Celery } from '../../../../src/app/celery';
import type { Delivery } from '../../../../src/transport/transport';
import type { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import { createEmailTasks, EMAIL_RETRY_OPTIONS, EMAIL_TASK_PARAMS } from '../../../../src/tasks/email/email-tasks';
import { PermanentMailError, TransientMailError } from '../../../../src/tasks/email/email-errors';
import { createSmtpMailer, type SmtpMailer } from '../../../../src/tasks/email/smtp-mailer';
import { loadSmtpSettings } from '../../../../src/tasks/email/smtp-settings';
import { closeMemoryWorkers, manualClock, startMemoryWorker, waitFor } from '../../../helpers/memory-worker';
import { wireTask } from '../../../helpers/task-wire';
import { startSmtpTestServer, type SmtpScript, type SmtpTestServer } from './smtp-test-server';

jest.setTimeout(60_000);

const WELCOME = 'app.tasks.email_tasks.send_welcome_email';
let server: SmtpTestServer | null = null;
let mailer: SmtpMailer | null = null;

async function setup(script: SmtpScript = {}) {
  server = await startSmtpTestServer(script);
  mailer = createSmtpMailer(loadSmtpSettings({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(server.port), SMTP_STARTTLS: 'disabled',
    SMTP_FROM: '"LMS" <no-reply@lms.example>', SMTP_TIMEOUT_SEC: '10' }));
  const tasks = createEmailTasks({ mailer, from: '"LMS" <no-reply@lms.example>', messageIdDomain: 'lms.example',
    branding: { appName: 'LMS', baseUrl: 'https://lms.example' } });
  return { server, mailer, tasks };
}

afterEach(async () => {
  await closeMemoryWorkers();
  await mailer?.close();
  await server?.close();
  server = null;
  mailer = null;
});

async function drain(transport: MemoryTransport, queue: string, n: number): Promise<Delivery[]> {
  const got: Delivery[] = [];
  await new Promise<void>((resolve) => { void transport.consume([queue], 0, (d) => { got.push(d); if (got.length === n) resolve(); }); });
  return got;
}

describe('SmtpMailer with a real SMTP server', () => {
  it('delivers the welcome email: recipient, subject, name in both bodies, Message-ID from the task id', async () => {
    const { server, tasks } = await setup();
    const result = await tasks.sendWelcomeEmail({ request: { id: 'b7c1d2e3', retries: 0 } }, 'u1', 'ada@example.org', 'Ada Lovelace');
    expect(result).toMatchObject({ message_id: '<celeriac.b7c1d2e3@lms.example>', accepted: ['ada@example.org'] });
    expect(server.received).toHaveLength(1);
    const mail = server.received[0];
    expect(mail?.envelopeTo).toEqual(['ada@example.org']);
    expect(mail?.headers).toMatchObject({ to: 'ada@example.org', subject: 'Welcome to LMS, Ada Lovelace!',
      'message-id': '<celeriac.b7c1d2e3@lms.example>', 'x-celeriac-task-id': 'b7c1d2e3' });
    expect(mail?.headers['content-type']).toMatch(/multipart\/alternative/);
    expect(mail?.body).toContain('<p>Hello Ada Lovelace,</p>');
    expect(mail?.body).toMatch(/text\/plain[\s\S]*Hello Ada Lovelace,/);
  });

  it('turns 451 into TransientMailError, 550 into PermanentMailError, and a closed port into TransientMailError', async () => {
    const { server, tasks } = await setup({ rcpt: (addr) => (addr.startsWith('busy') ? 451 : addr.startsWith('gone') ? 550 : null) });
    const run = { request: { id: 't1', retries: 0 } };
    const busy = await tasks.sendEmail(run, 'busy@example.org', 'Hi', '<p>x</p>').catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(TransientMailError);
    expect(busy).toMatchObject({ responseCode: 451, command: 'RCPT TO' });
    const gone = await tasks.sendEmail(run, 'gone@example.org', 'Hi', '<p>x</p>').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PermanentMailError);
    expect(gone).toMatchObject({ responseCode: 550 });
    const port = server.port;
    await server.close();
    const closedMailer = createSmtpMailer(loadSmtpSettings({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_STARTTLS: 'disabled' }));
    const refused = await closedMailer.send({ to: 'a@example.org', subject: 's', html: '<p>x</p>', text: 'x', messageId: '<m@x>' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransientMailError);
    await closedMailer.close();
  });
});

describe('email tasks on the worker with a real SMTP server', () => {
  // `retryJitter` is off where the test advances the clock by the backoff: with Celery's full jitter
  // the first countdown is uniform in 0..5 s, and a 0 s countdown (1 in 6) retries with no timer at all.
  const register = (app: Celery, tasks: Awaited<ReturnType<typeof setup>>['tasks'], retryJitter: boolean = EMAIL_RETRY_OPTIONS.retryJitter) =>
    app.task(WELCOME, tasks.sendWelcomeEmail,
      { bind: true, params: EMAIL_TASK_PARAMS.sendWelcomeEmail, ...EMAIL_RETRY_OPTIONS, retryJitter, deadLetterQueue: 'dead_letter' });

  it('a 451 at the end of DATA is retried with backoff; the retry carries the same Message-ID and succeeds', async () => {
    const { server, tasks } = await setup({ data: (n) => (n === 0 ? 451 : null) });
    const app = new Celery('lms');
    register(app, tasks, false);
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const h = await startMemoryWorker(app, { clock, conf: { worker_queues: ['emails'] } });
    const msg = wireTask(WELCOME, [], { kwargs: { user_id: 'u1', email: 'ada@example.org', full_name: 'Ada Lovelace' } });
    const id = String(msg.headers.id);
    await h.transport.publish(msg, { exchange: '', routingKey: 'emails' });
    await waitFor(() => h.worker.counters.retried === 1 && clock.timers.length >= 1, 10_000);
    expect((await h.backend.getTaskMeta(id))?.status).toBe('RETRY');
    clock.advance(EMAIL_RETRY_OPTIONS.retryBackoff * 1000);
    const done = await h.backend.waitForResult(id, 10_000);
    expect(done).toMatchObject({ status: 'SUCCESS', result: { message_id: `<celeriac.${id}@lms.example>`, to: 'ada@example.org' } });
    expect(server.received.map((m) => [m.replyCode, m.headers['message-id']])).toEqual([
      [451, `<celeriac.${id}@lms.example>`], [250, `<celeriac.${id}@lms.example>`]]);
  });

  it('a 550 for the recipient is not retried: FAILURE with PermanentMailError, copied to the dead-letter queue', async () => {
    const { server, tasks } = await setup({ rcpt: () => 550 });
    const app = new Celery('lms');
    register(app, tasks);
    const h = await startMemoryWorker(app, { clock: manualClock(0), conf: { worker_queues: ['emails'] } });
    const msg = wireTask(WELCOME, ['u2', 'nobody@example.org', 'No Body']);
    const id = String(msg.headers.id);
    await h.transport.publish(msg, { exchange: '', routingKey: 'emails' });
    const done = await h.backend.waitForResult(id, 30_000);
    expect(done.status).toBe('FAILURE');
    expect(done.result).toMatchObject({ excType: 'PermanentMailError', excModule: 'celeriac.errors' });
    const [dead] = await drain(h.transport, 'dead_letter', 1);
    expect(dead?.message.headers).toMatchObject({ id, 'x-celeriac-dlq-reason': 'failed' });
    expect(h.worker.counters.retried).toBe(0);
    expect(server.rcpts).toEqual(['nobody@example.org']);
    expect(server.received).toHaveLength(0);
  });
});
