import { buildMessageId, domainOfAddress } from '../../../../src/tasks/email/message-id';
import {
  renderCertificateIssuedEmail, renderPasswordResetEmail, renderWelcomeEmail,
} from '../../../../src/tasks/email/email-templates';
import { htmlToText } from '../../../../src/tasks/email/html-to-text';

const branding = { appName: 'LMS', baseUrl: 'https://lms.example/app', supportEmail: 'help@lms.example' };

describe('email templates', () => {
  it('put the name in subject, HTML and text', () => {
    const r = renderWelcomeEmail(branding, { fullName: 'Ada Lovelace' });
    expect(r.subject).toBe('Welcome to LMS, Ada Lovelace!');
    expect(r.html).toContain('Hello Ada Lovelace,');
    expect(r.text).toContain('Hello Ada Lovelace,');
    expect(r.text).toContain('https://lms.example/app/courses');
    expect(r.text).not.toMatch(/<[a-z]/);
  });

  it('escape user data in the HTML (no markup injection), and keep it readable in the text part', () => {
    const r = renderWelcomeEmail(branding, { fullName: '<script>alert("x")</script> & Co' });
    expect(r.html).not.toContain('<script>');
    expect(r.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(r.text).toContain('<script>alert("x")</script> & Co');
  });

  it('encode tokens into the link and escape the href', () => {
    const r = renderPasswordResetEmail(branding, { fullName: null, resetToken: 'a"b&c d', validForMinutes: 30 });
    expect(r.text).toContain('https://lms.example/app/reset-password?token=a%22b%26c+d');
    expect(r.html).toContain('href="https://lms.example/app/reset-password?token=a%22b%26c+d"');
    expect(r.html).toContain('Hello,');
    expect(r.text).toContain('30 minutes');
  });

  it('show the certificate number, and the download button only with a URL', () => {
    const withUrl = renderCertificateIssuedEmail(branding, { fullName: 'Ada', courseTitle: 'Maths', certificateNumber: 'CERT-1', downloadUrl: 'https://x/c.pdf' });
    expect(withUrl.html).toContain('CERT-1');
    expect(withUrl.html).toContain('href="https://x/c.pdf"');
    const without = renderCertificateIssuedEmail(branding, { fullName: 'Ada', courseTitle: 'Maths', certificateNumber: 'CERT-1', downloadUrl: null });
    expect(without.html).not.toContain('<a ');
  });
});

describe('htmlToText', () => {
  it('drops tags, scripts and styles, keeps line structure, links and decoded entities', () => {
    const text = htmlToText('<style>p{}</style><h1>Hi&nbsp;there</h1><p>Read <a href="https://x.test/a">this</a> &amp; that&#39;s &#x263A;</p>'
      + '<ul><li>one</li><li>two</li></ul>line<br>break<script>evil()</script>');
    expect(text).toBe('Hi there\nRead this (https://x.test/a) & that\'s \u263a\n- one\n- two\nline\nbreak');
  });
});

describe('buildMessageId', () => {
  it('derives a valid Message-ID from the task id, the same for every attempt', () => {
    expect(buildMessageId('3f1c-aa', 'lms.example')).toBe('<celeriac.3f1c-aa@lms.example>');
    expect(buildMessageId('a<b>@c', 'x y')).toBe('<celeriac.a-b--c@x-y>');
    expect(domainOfAddress('"LMS" <no-reply@lms.example>')).toBe('lms.example');
    expect(domainOfAddress('nobody')).toBeNull();
  });
});
