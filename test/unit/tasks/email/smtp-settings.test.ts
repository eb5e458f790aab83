import { inspect } from 'node:util';
import { ConfigError } from '../../../../src/errors/celeriac-error';
import { loadSmtpSettings } from '../../../../src/tasks/email/smtp-settings';

describe('loadSmtpSettings', () => {
  it('reads host, port, TLS mode, credentials and sender, with defaults', () => {
    const s = loadSmtpSettings({ SMTP_HOST: 'mail.example', SMTP_STARTTLS: 'required', SMTP_USER: 'u', SMTP_PASSWORD: 'hunter2',
      SMTP_FROM: '"LMS" <no-reply@lms.example>' });
    expect(s).toMatchObject({ host: 'mail.example', port: 587, secure: false, starttls: 'required', from: '"LMS" <no-reply@lms.example>',
      messageIdDomain: 'lms.example', timeoutSec: 30, tlsRejectUnauthorized: true });
    expect(s.auth?.user).toBe('u');
    expect(s.auth?.password.reveal()).toBe('hunter2');
    expect(loadSmtpSettings({ SMTP_SECURE: 'true' }).port).toBe(465);
    expect(loadSmtpSettings({ SMTP_PORT: '2525' })).toMatchObject({ port: 2525, auth: null, host: 'localhost' });
  });

  it('never shows the password: JSON (what pino logs), String() and util.inspect all redact it', () => {
    const s = loadSmtpSettings({ SMTP_USER: 'u', SMTP_PASSWORD: 'hunter2' });
    expect(JSON.stringify(s)).not.toContain('hunter2');
    expect(JSON.stringify(s)).toContain('[redacted]');
    expect(inspect(s, { depth: 5 })).not.toContain('hunter2');
    expect(String(s.auth?.password)).toBe('[redacted]');
  });

  it('reports every problem at once, without the password value', () => {
    let err: unknown;
    try {
      loadSmtpSettings({ SMTP_PORT: '99999', SMTP_PASSWORD: 'hunter2', SMTP_STARTTLS: 'maybe' });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/SMTP_PORT/);
    expect(problems).toMatch(/SMTP_STARTTLS/);
    expect(problems).not.toContain('hunter2');
    expect(() => loadSmtpSettings({ SMTP_PASSWORD: 'hunter2' })).toThrow(/set both or neither/);
  });
});
