import { SMTPServer } from 'smtp-server';
import { freePort } from '../../../helpers/free-port';

/** One message the server took in (or refused after DATA), as parsed for assertions. */
export interface ReceivedMail {
  envelopeTo: string[];
  /** Header name (lower case) → unfolded value. */
  headers: Record<string, string>;
  /** Body with quoted-printable soft breaks and escapes decoded (enough to search ASCII text). */
  body: string;
  /** The SMTP reply given at the end of DATA (250 or the scripted failure). */
  replyCode: number;
}

/** Scripted replies: return an SMTP code (>= 400) to refuse the nth RCPT / DATA (0-based), or null to accept. */
export interface SmtpScript {
  rcpt?: (address: string, n: number) => number | null;
  data?: (n: number) => number | null;
}

export interface SmtpTestServer {
  port: number;
  /** Every DATA the server read, accepted or refused, in order. */
  received: ReceivedMail[];
  /** RCPT commands seen, in order. */
  rcpts: string[];
  /** Resolves when `received.length >= n` (no polling sleeps: woken by each message). */
  waitForMessages(n: number): Promise<void>;
  close(): Promise<void>;
}

function smtpError(code: number): Error {
  return Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: code });
}

function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = raw.slice(split + 4).replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { headers, body };
}

/** A real SMTP server (the smtp-server package) on a free loopback port, without TLS or AUTH. */
export async function startSmtpTestServer(script: SmtpScript = {}): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  const rcpts: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let dataCount = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const n = rcpts.length;
      rcpts.push(address.address);
      const code = script.rcpt?.(address.address, n) ?? null;
      callback(code === null ? null : smtpError(code));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const code = script.data?.(dataCount++) ?? null;
        received.push({ envelopeTo: session.envelope.rcptTo.map((a) => a.address), ...parseMail(Buffer.concat(chunks).toString('latin1')),
          replyCode: code ?? 250 });
        for (const w of waiters.splice(0)) {
          if (received.length >= w.n) w.resolve(); else waiters.push(w);
        }
        callback(code === null ? null : smtpError(code));
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port, received, rcpts,
    waitForMessages: (n) => (received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
