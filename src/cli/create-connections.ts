import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend';
import { createRedisResultBackend } from '../backend/redis-result-backend';
import { createRpcResultBackend, isRpcBackendUrl } from '../backend/rpc/create-rpc-result-backend';
import type { Settings } from '../config/settings-schema';
import { createTransport } from '../transport/create-transport';
import type { Transport } from '../transport/transport';

/** The broker transport for `broker_url`, chosen by URL scheme. */
export function createTransportFor(settings: Settings, logger: Logger): Transport {
  return createTransport(settings.broker_url, settings.broker_transport_options, logger.child({ component: 'transport' }),
    { poisonQueue: settings.worker_poison_queue, maxMessageBytes: settings.worker_max_message_bytes }, settings);
}

/** The result backend for `result_backend` (Redis, or rpc:// over an AMQP broker), or null when it is `disabled`. */
export function createBackendFor(settings: Settings, logger: Logger): ResultBackend | null {
  if (settings.result_backend === 'disabled') return null;
  if (isRpcBackendUrl(settings.result_backend)) {
    return createRpcResultBackend({ resultBackend: settings.result_backend, brokerUrl: settings.broker_url,
      brokerTransportOptions: settings.broker_transport_options, brokerUseSsl: settings.broker_use_ssl, resultExpiresSec: settings.result_expires,
      persistent: settings.result_persistent }, logger.child({ component: 'backend' }));
  }
  return createRedisResultBackend(settings.result_backend, {
    ...settings.result_backend_transport_options,
    result_expires: settings.result_expires,
    ...(settings.redis_backend_use_ssl ? { redis_backend_use_ssl: settings.redis_backend_use_ssl } : {}),
  }, logger.child({ component: 'backend' }));
}
