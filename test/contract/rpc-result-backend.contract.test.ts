// The ResultBackend contract against Celery's rpc:// backend on a private rabbitmq-server. rpc stores
// nothing (each state is a message to the sending client's reply queue), so the storage tests are
// skipped (see ResultBackendContractKind); waiting, timeouts, fan-out and close run unchanged. The
// fixture is one client that is also the worker: it sends each state to its own reply queue, as a
// worker sends it to the request's reply_to.
import pino from 'pino';
import { createRpcResultBackend } from '../../src/backend/rpc/create-rpc-result-backend';
import type { RpcResultBackend } from '../../src/backend/rpc/rpc-result-backend';
import type { ResultBackend } from '../../src/backend/result-backend';
import { startRabbitMqServer, type RabbitMqServer } from '../helpers/rabbitmq-server';
import { describeResultBackendContract, type ResultBackendFixtureOptions } from './result-backend-contract';

jest.setTimeout(120_000);

let server: Promise<RabbitMqServer> | undefined;
const rabbit = (): Promise<RabbitMqServer> => (server ??= startRabbitMqServer());
afterAll(async () => { await (await server)?.stop(); }, 60_000);

/** The backend as the contract drives it: every store addressed to the backend's own reply queue. */
function repliesToItself(backend: RpcResultBackend): ResultBackend {
  return {
    connect: () => backend.connect(),
    storeResult: (meta, options = {}) => backend.storeResult(meta, { ...options, replyTo: backend.replyQueue }),
    getTaskMeta: (id) => backend.getTaskMeta(id),
    waitForResult: (id, ms) => backend.waitForResult(id, ms),
    forget: (id) => backend.forget(id),
    close: () => backend.close(),
  };
}

describeResultBackendContract('RpcResultBackend (RabbitMQ)', async (options: ResultBackendFixtureOptions = {}) => {
  const backend = createRpcResultBackend({ resultBackend: 'rpc://', brokerUrl: (await rabbit()).url('pyamqp'), brokerTransportOptions: {},
    resultExpiresSec: options.resultExpiresSec ?? 86400, persistent: false }, pino({ level: 'silent' }));
  await backend.connect();
  await backend.startConsuming();
  return { backend: repliesToItself(backend), ttlSec: async () => undefined, close: () => backend.close() };
}, { stores: false });
