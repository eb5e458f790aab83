import type { Logger } from 'pino';
import { BackendError } from '../../errors/celeriac-error';
import { createAmqpReplyQueue } from '../../transport/amqp/amqp-reply-queue';
import { amqpTransportOptionsSchema } from '../../transport/amqp/amqp-transport-options';
import { safeUrl } from '../../transport/safe-url';
import { RpcResultBackend } from './rpc-result-backend';

/** What an `rpc://` backend is built from (Celery reads them from the app's conf). */
export interface RpcBackendSettings {
  /** `result_backend`: `rpc`, `rpc://` (anything after `rpc://` is ignored, as Celery ignores it). */
  resultBackend: string;
  /** `broker_url`: the rpc backend talks to the broker; amqp://, amqps:// or pyamqp://. */
  brokerUrl: string;
  /** `broker_transport_options` (heartbeat, reconnect interval). */
  brokerTransportOptions: unknown;
  /** Celery's `broker_use_ssl`: the replies' connection is a broker connection. */
  brokerUseSsl?: unknown;
  /** `result_expires` in seconds: the reply queue's `x-expires`; 0 = none. */
  resultExpiresSec: number;
  /** `result_persistent`. */
  persistent: boolean;
  /** The client's reply queue (its `reply_to`); default a new uuid4. */
  replyQueue?: string;
}

const AMQP_SCHEMES = new Set(['amqp', 'amqps', 'pyamqp']);

/** True when `result_backend` names Celery's rpc backend or something that looks meant as it (which rpcBackendUrlProblem then explains). */
export function isRpcBackendUrl(url: string): boolean {
  const scheme = url.split(/[:+]/, 1)[0]?.toLowerCase() ?? '';
  return scheme === 'rpc' || scheme === 'rpcs' || AMQP_SCHEMES.has(scheme);
}

/**
 * Why `result_backend` cannot be used as Celery's rpc backend, or null when it can. Celery accepts
 * `rpc` and `rpc://...` (and `rpc+<anything>://`), ignoring the rest of the URL; `amqp://` was Celery
 * 4's separate amqp backend, removed in Celery 5.
 */
export function rpcBackendUrlProblem(url: string): string | null {
  if (url === 'rpc' || /^rpc(\+[a-z0-9.+-]*)?:\/\//i.test(url)) return null;
  const scheme = url.split(/[:+]/, 1)[0]?.toLowerCase() ?? '';
  if (AMQP_SCHEMES.has(scheme)) {
    return `result_backend ${safeUrl(url)}: Celery 5 has no "${scheme}" result backend (the amqp backend was removed); use rpc:// for results sent as messages over the broker`;
  }
  return `result_backend ${safeUrl(url)} is not a valid rpc backend URL: write rpc:// (results go over broker_url)`;
}

/**
 * Builds Celery's rpc backend on the broker: throws BackendError CELERIAC_BACKEND_BAD_URL for a bad
 * rpc URL, CELERIAC_BACKEND_UNSUPPORTED when the broker is not AMQP (RabbitMQ). Does not connect.
 */
export function createRpcResultBackend(settings: RpcBackendSettings, logger: Logger): RpcResultBackend {
  const problem = rpcBackendUrlProblem(settings.resultBackend);
  if (problem) throw new BackendError('CELERIAC_BACKEND_BAD_URL', problem);
  const brokerScheme = settings.brokerUrl.split(':', 1)[0]?.toLowerCase() ?? '';
  if (!AMQP_SCHEMES.has(brokerScheme)) {
    throw new BackendError('CELERIAC_BACKEND_UNSUPPORTED',
      `result_backend rpc:// needs an AMQP broker (amqp://, amqps://, pyamqp://); broker_url is ${safeUrl(settings.brokerUrl)}`);
  }
  const parsed = amqpTransportOptionsSchema.safeParse(settings.brokerTransportOptions ?? {});
  if (!parsed.success) {
    throw new BackendError('CELERIAC_BACKEND_BAD_URL', `broker_transport_options for the rpc backend: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const channel = createAmqpReplyQueue(settings.brokerUrl, { ...parsed.data, useSsl: settings.brokerUseSsl }, logger);
  return new RpcResultBackend(channel, {
    resultExpiresSec: settings.resultExpiresSec || null,
    persistent: settings.persistent,
    ...(settings.replyQueue ? { replyQueue: settings.replyQueue } : {}),
  }, logger);
}
