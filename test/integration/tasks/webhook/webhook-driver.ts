// Runs in a child Node process (see webhook-delivery.test.ts): deliver_webhook with the got-backed
// HttpClient on the real worker engine (in-memory broker, real clock), against the receiver URL given
// in each IPC message. Answers each with the final state, the result, the ETAs of the retries and the
// dead-letter reasons; stays up between runs (transpiling the sources is the slow part).
import { Celery } from '../../../../src/app/celery';
import { createGotHttpClient } from '../../../../src/tasks/webhook/got-http-client';
import { createStaticSecretResolver } from '../../../../src/tasks/webhook/webhook-secrets';
import { createWebhookTasks, WEBHOOK_TASK_PARAMS } from '../../../../src/tasks/webhook/webhook-tasks';
import { closeMemoryWorkers, startMemoryWorker, waitFor } from '../../../helpers/memory-worker';
import { wireTask } from '../../../helpers/task-wire';

/** One scenario, sent by the test over IPC. */
export interface DriverInput { url: string; secret: string; baseSec: number; maxRetries: number; payload: unknown }

/** What the driver answers. */
export interface DriverOutput { id: string; status: string; result: Record<string, unknown>; retryEtas: number[]; dead: string[] }

async function deliver(input: DriverInput): Promise<DriverOutput> {
  const tasks = createWebhookTasks({
    http: createGotHttpClient(), secrets: createStaticSecretResolver({ default: input.secret }), timeoutMs: 5000, maxRetries: input.maxRetries,
    backoff: { baseSec: input.baseSec, maxSec: 60, jitter: true, retryAfterMaxSec: 60 },
  });
  const app = new Celery('lms');
  app.task('app.tasks.webhook_tasks.deliver_webhook', tasks.deliverWebhook,
    { bind: true, params: WEBHOOK_TASK_PARAMS.deliverWebhook, deadLetterQueue: 'dead_letter' });
  const h = await startMemoryWorker(app, { conf: { worker_queues: ['webhooks'] } });
  try {
    const msg = wireTask('app.tasks.webhook_tasks.deliver_webhook', [],
      { kwargs: { event_type: 'certificate.issued', payload: input.payload, webhook_url: input.url } });
    const id = String(msg.headers.id);
    await h.transport.publish(msg, { exchange: '', routingKey: 'webhooks' });
    const done = await h.backend.waitForResult(id, 30_000);
    const retryEtas = h.published.filter((p) => p.message.headers.id === id && Number(p.message.headers.retries) > 0)
      .map((p) => Date.parse(String(p.message.headers.eta)));
    const deadLetters = () => h.published.filter((p) => p.route.routingKey === 'dead_letter');
    // The dead-letter copy is published as the failed delivery settles, just after FAILURE is stored.
    if (done.status === 'FAILURE') await waitFor(() => deadLetters().length > 0, 5000).catch(() => undefined);
    const dead = deadLetters().map((p) => String(p.message.headers['x-celeriac-dlq-reason']));
    return { id, status: done.status, result: done.result as Record<string, unknown>, retryEtas, dead };
  } finally {
    await closeMemoryWorkers();
  }
}

process.on('message', (m: { type: 'run'; input: DriverInput } | { type: 'exit' }) => {
  if (m.type === 'exit') {
    process.disconnect();
    return;
  }
  deliver(m.input).then(
    (output) => process.send?.({ type: 'done', output }),
    (err: unknown) => process.send?.({ type: 'error', error: err instanceof Error ? err.stack : String(err) }),
  );
});
process.send?.({ type: 'ready' });
