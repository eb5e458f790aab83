import { TaskArgumentError } from '../../../../src/app/bind-arguments';
import type { RetryCall } from '../../../../src/app/task-context';
import { MemoryHttpClient } from '../../../../src/tasks/webhook/memory-http-client';
import { WebhookDeliveryFailed, WebhookNetworkError, WebhookRejected, WebhookSecretMissing } from '../../../../src/tasks/webhook/webhook-errors';
import { createStaticSecretResolver } from '../../../../src/tasks/webhook/webhook-secrets';
import { verifyWebhookSignature } from '../../../../src/tasks/webhook/webhook-signature';
import { createWebhookTasks } from '../../../../src/tasks/webhook/webhook-tasks';

const SECRET = 'whsec_0123456789abcdef';
const NOW = new Date('2026-01-01T00:00:00Z');
const URL_ = 'https://hooks.example.com/lms?token=abc';

/** A bound-task context whose retry() throws a marker carrying the options, as the worker's does. */
class RetryMarker extends Error {
  constructor(readonly options: RetryCall) { super('retry'); }
}
const run = (id = 'task-1', retries = 0) => ({
  request: { id, retries },
  retry: (options: RetryCall): never => { throw new RetryMarker(options); },
});

function setup(http = new MemoryHttpClient()) {
  const tasks = createWebhookTasks({ http, secrets: createStaticSecretResolver({ byHost: { 'hooks.example.com': SECRET } }),
    now: () => NOW, random: () => 0.5, maxRetries: 4, backoff: { baseSec: 10, maxSec: 600, jitter: false, retryAfterMaxSec: 3600 } });
  return { http, tasks };
}

describe('deliver_webhook', () => {
  it('POSTs a JSON body signed with the endpoint secret over "${timestamp}.${body}", with event and idempotency headers', async () => {
    const { http, tasks } = setup();
    const result = await tasks.deliverWebhook(run('task-1'), 'certificate.issued', { certificate_number: 'CERT-1' }, URL_);
    expect(result).toEqual({ delivered: true, status: 200, event_type: 'certificate.issued', endpoint: 'https://hooks.example.com/lms',
      idempotency_key: 'task-1', attempts: 1 });
    const [req] = http.requests;
    expect(req?.url).toBe(URL_);
    expect(JSON.parse(req?.body ?? '')).toEqual({ id: 'task-1', event: 'certificate.issued', data: { certificate_number: 'CERT-1' } });
    expect(req?.headers).toMatchObject({ 'content-type': 'application/json', 'X-Webhook-Event': 'certificate.issued',
      'X-Webhook-Timestamp': String(NOW.getTime() / 1000), 'Idempotency-Key': 'task-1', 'X-Webhook-Attempt': '1' });
    expect(verifyWebhookSignature({ secret: SECRET, rawBody: req?.body ?? '', signature: req?.headers['X-Signature'],
      timestamp: req?.headers['X-Webhook-Timestamp'], nowSec: NOW.getTime() / 1000 })).toBe('ok');
    expect(req?.timeoutMs).toBe(10_000);
  });

  it('retries 5xx and network errors through task.retry with exponential backoff and the retry limit; the key stays the same', async () => {
    const { http, tasks } = setup(new MemoryHttpClient([{ status: 503, body: 'down' },
      { throw: new WebhookNetworkError('connect ECONNREFUSED', 'ECONNREFUSED') }]));
    const first = await tasks.deliverWebhook(run('t', 0), 'e', {}, URL_).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RetryMarker);
    expect((first as RetryMarker).options).toMatchObject({ countdown: 10, maxRetries: 4 });
    expect((first as RetryMarker).options.exc).toBeInstanceOf(WebhookDeliveryFailed);
    expect((first as RetryMarker).options.exc).toMatchObject({ status: 503, code: 'CELERIAC_WEBHOOK_RETRYABLE' });
    const second = await tasks.deliverWebhook(run('t', 1), 'e', {}, URL_).catch((e: unknown) => e);
    expect((second as RetryMarker).options).toMatchObject({ countdown: 20 });
    expect((second as RetryMarker).options.exc).toMatchObject({ status: null });
    await tasks.deliverWebhook(run('t', 2), 'e', {}, URL_);
    expect(http.requests.map((r) => [r.headers['Idempotency-Key'], r.headers['X-Webhook-Attempt']])).toEqual([['t', '1'], ['t', '2'], ['t', '3']]);
  });

  it('honours Retry-After on 429 (seconds or HTTP date)', async () => {
    const { tasks } = setup(new MemoryHttpClient([{ status: 429, headers: { 'retry-after': '42' } },
      { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:02:00 GMT' } }]));
    const a = await tasks.deliverWebhook(run('t', 0), 'e', {}, URL_).catch((e: RetryMarker) => e.options.countdown);
    const b = await tasks.deliverWebhook(run('t', 1), 'e', {}, URL_).catch((e: RetryMarker) => e.options.countdown);
    expect([a, b]).toEqual([42, 120]);
  });

  it('does not retry other 4xx or 3xx: WebhookRejected with the status', async () => {
    const { tasks } = setup(new MemoryHttpClient([{ status: 400, body: 'bad payload' }, { status: 404 }, { status: 301 }]));
    for (const status of [400, 404, 301]) {
      const err = await tasks.deliverWebhook(run(), 'e', {}, URL_).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebhookRejected);
      expect(err).toMatchObject({ status, code: 'CELERIAC_WEBHOOK_REJECTED' });
    }
  });

  it('refuses to send unsigned, rejects bad arguments, and lets unexpected client errors through', async () => {
    const { http, tasks } = setup(new MemoryHttpClient([{ throw: new TypeError('bug') }]));
    await expect(tasks.deliverWebhook(run(), 'e', {}, 'https://unknown.test/h')).rejects.toBeInstanceOf(WebhookSecretMissing);
    await expect(tasks.deliverWebhook(run(), '', {}, 'ftp://x')).rejects.toBeInstanceOf(TaskArgumentError);
    await expect(tasks.deliverWebhook(run(), 'e', { f: () => 1 }, URL_)).rejects.toBeInstanceOf(TaskArgumentError);
    expect(http.requests).toHaveLength(0);
    await expect(tasks.deliverWebhook(run(), 'e', {}, URL_)).rejects.toBeInstanceOf(TypeError);
  });
});
