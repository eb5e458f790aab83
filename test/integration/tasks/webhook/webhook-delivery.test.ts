// deliver_webhook over the got-backed HttpClient, run in a child Node process (jest cannot load
// got), against a real node:http receiver started here: the signature verifies, 500/500/200 is
// delivered after two backed-off Celery retries with one idempotency key, 400 fails at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { verifyWebhookSignature } from '../../../../src/tasks/webhook/webhook-signature';
import { freePort } from '../../../helpers/free-port';
import type { DriverInput, DriverOutput } from './webhook-driver';

jest.setTimeout(60_000);

const SECRET = 'whsec_integration_0123456789';

interface Received { atMs: number; headers: IncomingHttpHeaders; body: string }

let server: Server | null = null;
let driver: ChildProcess | null = null;

// One child for the whole file: it transpiles and loads the worker once, then runs each scenario on request.
beforeAll(async () => {
  const child = spawn(process.execPath, ['-r', join(__dirname, 'ts-require-hook.js'), join(__dirname, 'webhook-driver.ts')],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  driver = child;
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`webhook driver exited ${code} before it was ready`)));
  });
});

afterAll(async () => {
  const child = driver;
  driver = null;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.send({ type: 'exit' });
  });
});

afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); });
});

/** A webhook receiver answering the scripted statuses in order (then 200), recording every request. */
async function startReceiver(statuses: number[], extraHeaders: Record<string, string> = {}): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const script = [...statuses];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ atMs: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain', ...(status === 200 ? {} : extraHeaders) });
      res.end(status === 200 ? 'ok' : `status ${status}`);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/hooks/lms?token=t0k`, received };
}

/** Runs one scenario in the driver child and returns its report. */
function runDriver(input: DriverInput): Promise<DriverOutput> {
  const child = driver;
  if (!child) throw new Error('driver not started');
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`webhook driver exited ${code}`));
    child.once('exit', onExit);
    child.once('message', (m: { type: 'done'; output: DriverOutput } | { type: 'error'; error: string }) => {
      child.off('exit', onExit);
      if (m.type === 'done') resolve(m.output);
      else reject(new Error(m.error));
    });
    child.send({ type: 'run', input });
  });
}

function verify(r: Received): string {
  return verifyWebhookSignature({ secret: SECRET, rawBody: r.body, signature: r.headers['x-signature'] as string | undefined,
    timestamp: r.headers['x-webhook-timestamp'] as string | undefined, nowSec: Math.floor(r.atMs / 1000) });
}

describe('deliver_webhook with got against a real HTTP receiver', () => {
  it('500, 500, 200: delivered once after two backed-off retries; every attempt signed, one idempotency key', async () => {
    const receiver = await startReceiver([500, 500]);
    const out = await runDriver({ url: receiver.url, secret: SECRET, baseSec: 0.4, maxRetries: 3, payload: { certificate_number: 'CERT-9', n: 1 } });
    expect(out.status).toBe('SUCCESS');
    expect(out.result).toMatchObject({ delivered: true, status: 200, attempts: 3, idempotency_key: out.id, endpoint: receiver.url.split('?')[0] });
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received.map(verify)).toEqual(['ok', 'ok', 'ok']);
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([out.id, out.id, out.id]);
    expect(receiver.received.map((r) => r.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    expect(receiver.received.map((r) => JSON.parse(r.body))).toEqual(new Array(3).fill({ id: out.id, event: 'certificate.issued',
      data: { certificate_number: 'CERT-9', n: 1 } }));
    // Backed off: each retry was scheduled (ETA) at least half its delay after the failed attempt, and
    // did not reach the receiver before that ETA. Delays 0.4 s then 0.8 s, equal jitter.
    expect(out.retryEtas).toHaveLength(2);
    const [eta1, eta2] = out.retryEtas as [number, number];
    const [a1, a2, a3] = receiver.received.map((r) => r.atMs) as [number, number, number];
    expect(eta1 - a1).toBeGreaterThanOrEqual(200 - 50);
    expect(eta2 - a2).toBeGreaterThanOrEqual(400 - 50);
    expect(a2).toBeGreaterThanOrEqual(eta1 - 5);
    expect(a3).toBeGreaterThanOrEqual(eta2 - 5);
    expect(out.dead).toEqual([]);
  });

  it('429 with Retry-After: the retry waits the seconds the receiver asked for', async () => {
    const receiver = await startReceiver([429], { 'retry-after': '1' });
    const out = await runDriver({ url: receiver.url, secret: SECRET, baseSec: 0.01, maxRetries: 3, payload: {} });
    expect(out.status).toBe('SUCCESS');
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received as [Received, Received];
    expect((out.retryEtas[0] as number) - first.atMs).toBeGreaterThanOrEqual(1000 - 50);
    expect(second.atMs).toBeGreaterThanOrEqual((out.retryEtas[0] as number) - 5);
  });

  it('400: not retried, FAILURE with WebhookRejected, copied to the dead-letter queue', async () => {
    const receiver = await startReceiver([400]);
    const out = await runDriver({ url: receiver.url, secret: SECRET, baseSec: 0.01, maxRetries: 3, payload: { x: 1 } });
    expect(out.status).toBe('FAILURE');
    expect(out.result).toMatchObject({ excType: 'WebhookRejected' });
    expect(receiver.received).toHaveLength(1);
    expect(verify(receiver.received[0] as Received)).toBe('ok');
    expect(out.retryEtas).toEqual([]);
    expect(out.dead).toEqual(['failed']);
  });

  it('a receiver that keeps failing: retries run out, FAILURE with WebhookDeliveryFailed, dead letter retries-exhausted', async () => {
    const receiver = await startReceiver([503, 503, 503]);
    const out = await runDriver({ url: receiver.url, secret: SECRET, baseSec: 0.01, maxRetries: 2, payload: {} });
    expect(out.status).toBe('FAILURE');
    expect(out.result).toMatchObject({ excType: 'WebhookDeliveryFailed' });
    expect(receiver.received).toHaveLength(3);
    expect(out.dead).toEqual(['retries-exhausted']);
  });
});
