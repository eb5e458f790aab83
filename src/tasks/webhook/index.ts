/**
 * The webhook family. The got-backed HttpClient lives in `./got-http-client` and is not re-exported
 * here: got is ESM-only and jest cannot load it, so code that only needs the interfaces stays loadable.
 */
export { createWebhookTasks, WEBHOOK_TASK_PARAMS, type WebhookDeliveredResult, type WebhookTaskDeps, type WebhookTaskRun, type WebhookTasks } from './webhook-tasks';
export type { HttpClient, HttpPostRequest, HttpResponse } from './http-client';
export { MemoryHttpClient, type ScriptedReply } from './memory-http-client';
export { WebhookDeliveryFailed, WebhookNetworkError, WebhookRejected, WebhookSecretMissing } from './webhook-errors';
export { createStaticSecretResolver, loadWebhookSecretResolver, type StaticWebhookSecrets, type WebhookSecretResolver } from './webhook-secrets';
export {
  buildSignedString, EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, verifyWebhookSignature, type WebhookVerification,
} from './webhook-signature';
export { parseRetryAfter } from './retry-after';
export { DEFAULT_WEBHOOK_BACKOFF, webhookRetryCountdownSec, type WebhookBackoff } from './webhook-backoff';
