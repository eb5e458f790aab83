import type { Logger } from 'pino';
import { z } from 'zod';
import type { RetryCall, TaskRequest } from '../../app/task-context';
import { parseTaskArguments } from '../parse-task-arguments';
import type { HttpClient, HttpResponse } from './http-client';
import { parseRetryAfter } from './retry-after';
import { DEFAULT_WEBHOOK_BACKOFF, webhookRetryCountdownSec, type WebhookBackoff } from './webhook-backoff';
import { WebhookDeliveryFailed, WebhookNetworkError, WebhookRejected, WebhookSecretMissing } from './webhook-errors';
import type { WebhookSecretResolver } from './webhook-secrets';
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature';

/** What the webhook handler needs of a bound task's context (`bind: true`); a celeriac TaskContext fits. */
export interface WebhookTaskRun {
  request: Pick<TaskRequest, 'id' | 'retries'>;
  /** Celery's `self.retry()`: throws. */
  retry(options: RetryCall): never;
  signal?: AbortSignal;
  log?: Pick<Logger, 'info' | 'warn'>;
}

/** What the webhook family takes from the app module. */
export interface WebhookTaskDeps {
  http: HttpClient;
  secrets: WebhookSecretResolver;
  /** Whole-request timeout per attempt (default 10 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 5; Celery's max_retries). */
  maxRetries?: number;
  backoff?: WebhookBackoff;
  /** User-Agent header (default `celeriac-webhooks`). */
  userAgent?: string;
  /** Clock and jitter source, for tests. */
  now?: () => Date;
  random?: () => number;
}

/** The task's result once the receiver answered 2xx. */
export interface WebhookDeliveredResult {
  delivered: true;
  status: number;
  event_type: string;
  /** Origin and path of the endpoint (no query string: it may hold a token). */
  endpoint: string;
  idempotency_key: string;
  /** 1 for the first attempt, 2 after one retry, ... */
  attempts: number;
}

/** Positional parameter names (Python's keyword names), for the app's `params` option. */
export const WEBHOOK_TASK_PARAMS = { deliverWebhook: ['event_type', 'payload', 'webhook_url'] } as const;

/** The webhook handlers, to register with `bind: true`. */
export interface WebhookTasks {
  deliverWebhook(task: WebhookTaskRun, eventType: unknown, payload: unknown, webhookUrl: unknown): Promise<WebhookDeliveredResult>;
}

const json: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));
const argsSchema = z.object({
  eventType: z.string().trim().min(1).max(200),
  payload: json,
  webhookUrl: z.url({ protocol: /^https?$/ }),
});

/** Statuses that a later attempt may turn into success. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

function endpointOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Builds `deliver_webhook(event_type, payload, webhook_url)`. Each attempt POSTs
 * `{"id": key, "event": event_type, "data": payload}` with `X-Signature: sha256=HMAC(secret,
 * "${timestamp}.${body}")`, `X-Webhook-Timestamp`, `X-Webhook-Event` and `Idempotency-Key` (the task
 * id, the same on every retry, so a receiver can drop duplicates). 2xx ends the task with SUCCESS;
 * a network error, 5xx or 429 retries the task (a Celery retry: the message goes back to the broker
 * with an ETA, so it survives worker restarts) after the receiver's Retry-After or exponential
 * backoff; any other status fails at once with WebhookRejected (the dead-letter queue keeps a copy).
 */
export function createWebhookTasks(deps: WebhookTaskDeps): WebhookTasks {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const maxRetries = deps.maxRetries ?? 5;
  const backoff = deps.backoff ?? DEFAULT_WEBHOOK_BACKOFF;
  const now = deps.now ?? (() => new Date());
  const userAgent = deps.userAgent ?? 'celeriac-webhooks';

  const retry = (task: WebhookTaskRun, exc: WebhookDeliveryFailed, retryAfterSec: number | null): never => {
    const countdown = webhookRetryCountdownSec(task.request.retries, backoff, retryAfterSec, deps.random);
    task.log?.warn({ status: exc.status, countdown, retries: task.request.retries, err: exc.message }, 'webhook delivery failed, retrying');
    return task.retry({ countdown, exc, maxRetries });
  };

  return {
    async deliverWebhook(task, eventType, payload, webhookUrl) {
      const a = parseTaskArguments('deliver_webhook', argsSchema, { eventType, payload, webhookUrl });
      const url = new URL(a.webhookUrl);
      const secret = await deps.secrets.secretFor(url);
      if (!secret) throw new WebhookSecretMissing(endpointOf(url));
      const key = task.request.id;
      const body = JSON.stringify({ id: key, event: a.eventType, data: a.payload });
      const timestampSec = Math.floor(now().getTime() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': userAgent,
        [EVENT_HEADER]: a.eventType,
        [TIMESTAMP_HEADER]: String(timestampSec),
        [SIGNATURE_HEADER]: signWebhook(secret, timestampSec, body),
        [IDEMPOTENCY_HEADER]: key,
        'X-Webhook-Attempt': String(task.request.retries + 1),
      };
      let res: HttpResponse;
      try {
        res = await deps.http.post({ url: url.toString(), headers, body, timeoutMs, ...(task.signal ? { signal: task.signal } : {}) });
      } catch (thrown) {
        if (!(thrown instanceof WebhookNetworkError)) throw thrown;
        return retry(task, new WebhookDeliveryFailed(`${endpointOf(url)}: ${thrown.message}`, null, { cause: thrown }), null);
      }
      const snippet = res.body.slice(0, 300);
      if (res.status >= 200 && res.status < 300) {
        task.log?.info({ status: res.status, endpoint: endpointOf(url), attempts: task.request.retries + 1 }, 'webhook delivered');
        return { delivered: true, status: res.status, event_type: a.eventType, endpoint: endpointOf(url), idempotency_key: key,
          attempts: task.request.retries + 1 };
      }
      if (isRetryableStatus(res.status)) {
        return retry(task, new WebhookDeliveryFailed(`${endpointOf(url)} answered ${res.status}: ${snippet}`, res.status),
          parseRetryAfter(res.headers['retry-after'], now()));
      }
      throw new WebhookRejected(`${endpointOf(url)} answered ${res.status}: ${snippet}`, res.status);
    },
  };
}
