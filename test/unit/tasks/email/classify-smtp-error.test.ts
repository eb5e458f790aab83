import { classifySmtpError, toMailDeliveryError } from '../../../../src/tasks/email/classify-smtp-error';
import { PermanentMailError, TransientMailError } from '../../../../src/tasks/email/email-errors';

const smtp = (responseCode: number | undefined, code: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(`smtp ${responseCode ?? code}`), { responseCode, code, ...extra });

describe('classifySmtpError', () => {
  it('treats 4xx replies (and 503) as transient, other 5xx replies as permanent', () => {
    expect(classifySmtpError(smtp(451, 'EENVELOPE', { command: 'RCPT TO' }))).toBe('transient');
    expect(classifySmtpError(smtp(421, 'EPROTOCOL'))).toBe('transient');
    expect(classifySmtpError(smtp(454, 'EAUTH'))).toBe('transient');
    expect(classifySmtpError(smtp(503, 'EPROTOCOL'))).toBe('transient');
    expect(classifySmtpError(smtp(550, 'EENVELOPE'))).toBe('permanent');
    expect(classifySmtpError(smtp(554, 'EMESSAGE'))).toBe('permanent');
    expect(classifySmtpError(smtp(535, 'EAUTH'))).toBe('permanent');
  });

  it('treats network errors as transient, by nodemailer code or the errno it kept in originalCode', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN']) {
      expect(classifySmtpError(smtp(undefined, code))).toBe('transient');
    }
    expect(classifySmtpError(smtp(undefined, 'ESOCKET', { originalCode: 'ECONNREFUSED' }))).toBe('transient');
    expect(classifySmtpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', errno: -111 }))).toBe('transient');
  });

  it('treats anything else (a bad address, a bug, a thrown string) as permanent', () => {
    expect(classifySmtpError(smtp(undefined, 'EENVELOPE'))).toBe('permanent');
    expect(classifySmtpError(new TypeError('x is undefined'))).toBe('permanent');
    expect(classifySmtpError('boom')).toBe('permanent');
  });

  it('finds a deferred recipient among rejected ones', () => {
    const err = smtp(undefined, 'EENVELOPE', { rejectedErrors: [smtp(550, 'EENVELOPE'), smtp(452, 'EENVELOPE')] });
    expect(classifySmtpError(err)).toBe('transient');
  });
});

describe('toMailDeliveryError', () => {
  it('wraps into the typed error with code, reply details and the cause, and leaves typed errors alone', () => {
    const original = smtp(451, 'EENVELOPE', { command: 'RCPT TO' });
    const t = toMailDeliveryError(original);
    expect(t).toBeInstanceOf(TransientMailError);
    expect(t).toMatchObject({ code: 'CELERIAC_MAIL_TRANSIENT', name: 'TransientMailError', responseCode: 451, command: 'RCPT TO', errorCode: 'EENVELOPE' });
    expect(t.cause).toBe(original);
    const p = toMailDeliveryError(smtp(550, 'EENVELOPE'));
    expect(p).toBeInstanceOf(PermanentMailError);
    expect(p.code).toBe('CELERIAC_MAIL_REJECTED');
    expect(toMailDeliveryError(t)).toBe(t);
  });
});
