// The whole LMS stack for end-to-end tests, every piece real and private to the test file: a
// redis-server, uvicorn serving the FastAPI producer, celeriac workers per queue group running
// examples/lms/app.ts, `celeriac beat`, an SMTP server (smtp-server) receiving the mail and a node:http
// receiver for the webhooks. Tests drive it over HTTP and wait on what arrives.
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../test/helpers/free-port';
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server';
import { CELERIAC_BIN, startCeleriacWorker, type CeleriacWorker } from './celeriac-worker';
import { killAllChildren } from './child-registry';
import { startLmsApi, type LmsApi } from './lms-api';
import { ManagedProcess } from './managed-process';
import { REPO_ROOT, venvBin } from './python';
import { queueKeys, waitUntil, type WaitOptions } from './redis-probe';

/** The LMS worker app under test. */
export const LMS_APP = join(REPO_ROOT, 'examples', 'lms', 'app.ts');

// ---- mail --------------------------------------------------------------------------------------

/** One message the SMTP server accepted. */
export interface ReceivedMail {
  envelopeTo: string[];
  /** Header name (lower case) → unfolded value. */
  headers: Record<string, string>;
  /** The raw body with quoted-printable decoded (both parts of multipart/alternative). */
  body: string;
}

/** A real SMTP server on a free loopback port, keeping every message. */
export interface MailCatcher {
  port: number;
  received: ReceivedMail[];
  /** Resolves with the first message (seen or to come) matching, or rejects after `timeoutMs`. */
  waitFor(match: (m: ReceivedMail) => boolean, what: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = raw.slice(split + 4).replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}

/** Event-driven waits over a growing list: each push wakes the waiters. */
class Arrivals<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  }

  waitFor(match: (item: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.items.find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms (${this.items.length} received)`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** Starts the SMTP server (no TLS, no AUTH: a development catcher such as compose's Mailpit). */
export async function startMailCatcher(): Promise<MailCatcher> {
  const mail = new Arrivals<ReceivedMail>();
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mail.push({ envelopeTo: session.envelope.rcptTo.map((a) => a.address), ...parseMail(Buffer.concat(chunks).toString('latin1')) });
        callback(null);
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port, received: mail.items,
    waitFor: (match, what, timeoutMs = 30_000) => mail.waitFor(match, what, timeoutMs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- webhooks ----------------------------------------------------------------------------------

/** One POST the receiver took, with what it answered. */
export interface WebhookHit {
  idempotencyKey: string;
  event: string;
  attempt: number;
  /** The signature checked against the secret over `${timestamp}.${raw body}` (computed here, not by the project's code). */
  signatureValid: boolean;
  timestampSec: number;
  body: { id: string; event: string; data: Record<string, unknown> };
  /** Status this receiver answered. */
  status: number;
  receivedAt: number;
}

/** A node:http webhook receiver; answers 200 unless a script says otherwise for an enrollment. */
export interface WebhookReceiver {
  url: string;
  hits: WebhookHit[];
  /** The next attempts for this enrollment's events are answered with these statuses, in order; then 200. */
  script(enrollmentId: string, statuses: number[]): void;
  waitFor(match: (h: WebhookHit) => boolean, what: string, timeoutMs?: number): Promise<WebhookHit>;
  close(): Promise<void>;
}

/** Starts the receiver; `secret` is what the workers sign with (WEBHOOK_SECRET). */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const hits = new Arrivals<WebhookHit>();
  const scripts = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = (name: string): string => String(req.headers[name.toLowerCase()] ?? '');
      const timestamp = header('X-Webhook-Timestamp');
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`);
      const given = Buffer.from(header('X-Signature'));
      const body = JSON.parse(raw) as WebhookHit['body'];
      const enrollmentId = String(body.data?.enrollment_id ?? '');
      const status = scripts.get(enrollmentId)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
      hits.push({
        idempotencyKey: header('Idempotency-Key'), event: header('X-Webhook-Event'), attempt: Number(header('X-Webhook-Attempt')),
        signatureValid: given.length === expected.length && timingSafeEqual(given, expected), timestampSec: Number(timestamp),
        body, status, receivedAt: Date.now(),
      });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}/hooks/lms`, hits: hits.items,
    script: (enrollmentId, statuses) => { scripts.set(enrollmentId, [...statuses]); },
    waitFor: (match, what, timeoutMs = 30_000) => hits.waitFor(match, what, timeoutMs),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---- the stack ---------------------------------------------------------------------------------

/** A worker group as docker-compose runs them: its queues, and threads for the certificates. */
export interface WorkerGroup {
  name: string;
  queues: string[];
  concurrency: number;
  threads?: boolean;
}

/** The seeds' queue groups (docker-compose.yml's worker services). */
export const SEED_GROUPS: readonly WorkerGroup[] = [
  { name: 'emails', queues: ['emails', 'progress'], concurrency: 16 },
  { name: 'certificates', queues: ['certificates'], concurrency: 2, threads: true },
  { name: 'webhooks', queues: ['webhooks'], concurrency: 32 },
  { name: 'bulk', queues: ['messaging', 'notifications', 'reports', 'low_priority'], concurrency: 8 },
];

/** How to start the stack. */
export interface LmsStackOptions {
  /** `postgres://...`; default: a SQLite file in the stack's directory. */
  databaseUrl?: string;
  groups?: readonly WorkerGroup[];
  /** A beat schedule (YAML text) to run `celeriac beat --schedule` with; none: no beat. */
  beatSchedule?: string;
  /** More environment for the workers (retry knobs, test hooks). */
  workerEnv?: Record<string, string>;
}

/** The running stack. */
export interface LmsStack {
  dir: string;
  storageDir: string;
  tempDir: string;
  /** Hold files of the app's LMS_TEST_HOLD_DIR hook. */
  holdDir: string;
  sqlitePath: string | null;
  brokerUrl: string;
  api: LmsApi;
  mail: MailCatcher;
  webhooks: WebhookReceiver;
  webhookSecret: string;
  workers: Map<string, CeleriacWorker>;
  beat: ManagedProcess | null;
  broker: Redis;
  /** Starts (or restarts, after a kill) the worker of a group. */
  startWorker(group: string): Promise<CeleriacWorker>;
  /**
   * Waits until nothing more can be delivered on these queues: no message waiting (any priority) and
   * none delivered-but-unacked (running, reserved or ETA-held, kombu's `unacked` hash).
   */
  waitForQuiet(queues: string[], opts?: WaitOptions): Promise<void>;
  /** Runs `celeriac <args>` to completion against the stack's broker; resolves with stdout. */
  cli(args: string[]): Promise<string>;
  /** Runs a Python snippet in the venv (`sys.argv[1:]` = args) and parses the JSON it prints. */
  python<T>(script: string, args: string[]): Promise<T>;
  stop(): Promise<void>;
}

/** Starts every piece; on a failure part-way, stops what started and rethrows. */
export async function startLmsStack(opts: LmsStackOptions = {}): Promise<LmsStack> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-lms-e2e-'));
  const storageDir = join(dir, 'storage');
  const tempDir = join(dir, 'tmp');
  const holdDir = join(dir, 'hold');
  for (const d of [storageDir, tempDir, holdDir]) mkdirSync(d, { recursive: true });
  const sqlitePath = opts.databaseUrl ? null : join(dir, 'lms.db');
  const webhookSecret = 'e2e-webhook-secret-0123456789';
  const parts: { redis?: RedisServer; api?: LmsApi; mail?: MailCatcher; webhooks?: WebhookReceiver; broker?: Redis } = {};
  const workers = new Map<string, CeleriacWorker>();
  let beat: ManagedProcess | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all([...workers.values()].map((w) => w.stop(10_000)));
    await beat?.stop('SIGTERM', 5000);
    await parts.api?.stop();
    await killAllChildren();
    parts.broker?.disconnect();
    await parts.redis?.stop();
    await parts.mail?.close();
    await parts.webhooks?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    parts.redis = await startRedisServer();
    const brokerUrl = parts.redis.url(1);
    const backendUrl = parts.redis.url(2);
    parts.broker = new Redis(brokerUrl);
    parts.mail = await startMailCatcher();
    parts.webhooks = await startWebhookReceiver(webhookSecret);
    parts.api = await startLmsApi({ brokerUrl, backendUrl, storageDir,
      ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : { sqlitePath: sqlitePath as string }) });
    const api = parts.api;
    const groups = new Map((opts.groups ?? SEED_GROUPS).map((g) => [g.name, g]));
    const env: Record<string, string> = {
      // A killed worker's unfinished messages come back 3 s later (a running peer sweeps them).
      CELERY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ visibility_timeout: 3 }),
      CELERY_TASK_DEAD_LETTER_QUEUE: 'dead_letter',
      STORAGE_DIR: storageDir, LMS_TEMP_DIR: tempDir, LMS_TEST_HOLD_DIR: holdDir, LMS_PUBLIC_URL: api.baseUrl,
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : { DATABASE_URL: '', LMS_SQLITE_PATH: sqlitePath as string }),
      SMTP_HOST: '127.0.0.1', SMTP_PORT: String(parts.mail.port), SMTP_SECURE: 'false', SMTP_STARTTLS: 'disabled',
      SMTP_FROM: 'LMS <no-reply@lms.test>',
      WEBHOOK_SECRET: webhookSecret, WEBHOOK_URL: parts.webhooks.url,
      ...opts.workerEnv,
    };
    const startWorker = async (name: string): Promise<CeleriacWorker> => {
      const g = groups.get(name);
      if (!g) throw new Error(`no worker group ${name}`);
      const worker = await startCeleriacWorker({
        brokerUrl, backendUrl, app: LMS_APP, queues: g.queues, concurrency: g.concurrency, nodeName: `${g.name}@%h`,
        env: { ...env, ...(g.threads ? { CELERY_WORKER_POOL: 'threads' } : {}) }, readyTimeoutMs: 60_000,
      });
      workers.set(name, worker);
      return worker;
    };
    await Promise.all([...groups.keys()].map(startWorker));
    if (opts.beatSchedule !== undefined) {
      const file = join(dir, 'beat-schedule.yaml');
      writeFileSync(file, opts.beatSchedule);
      beat = new ManagedProcess({ command: process.execPath, args: [CELERIAC_BIN, 'beat', '--schedule', file, '--loglevel', 'info'],
        cwd: REPO_ROOT, env: { ...process.env, CELERY_BROKER_URL: brokerUrl }, label: 'celeriac beat' });
      await beat.waitForLine((l) => l.includes('beat holds the lease and is sending'), 30_000, 'beat holding its lease');
    }
    const broker = parts.broker;
    return {
      dir, storageDir, tempDir, holdDir, sqlitePath, brokerUrl, api, mail: parts.mail, webhooks: parts.webhooks, webhookSecret,
      workers, beat, broker, startWorker, stop,
      async waitForQuiet(queues, waitOpts) {
        const watched = new Set(queues);
        await waitUntil(async () => {
          const lengths = await Promise.all(queues.flatMap(queueKeys).map((k) => broker.llen(k)));
          if (lengths.some((n) => n > 0)) return false;
          const unacked = Object.values(await broker.hgetall('unacked'));
          // kombu's unacked entry: JSON [message, exchange, routing_key].
          return !unacked.some((raw) => watched.has(String((JSON.parse(raw) as unknown[])[2])));
        }, `queues ${queues.join(',')} drained and acked`, { timeoutMs: 30_000, maxIntervalMs: 100, ...waitOpts });
      },
      async cli(args) {
        const { stdout } = await promisify(execFile)(process.execPath, [CELERIAC_BIN, ...args],
          { cwd: REPO_ROOT, env: { ...process.env, CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl }, timeout: 30_000 });
        return stdout;
      },
      async python<T>(script: string, args: string[]) {
        const { stdout } = await promisify(execFile)(venvBin('python'), ['-c', script, ...args], { timeout: 60_000 });
        return JSON.parse(stdout) as T;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
