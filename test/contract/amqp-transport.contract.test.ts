import pino from 'pino';
import { createAmqpTransport } from '../../src/transport/amqp/amqp-transport';
import { amqpTransportOptionsSchema } from '../../src/transport/amqp/amqp-transport-options';
import { startRabbitMqServer } from '../helpers/rabbitmq-server';
import { describeTransportContract } from './transport-contract';

jest.setTimeout(120_000);

describeTransportContract('AmqpTransport (RabbitMQ)', async () => {
  const server = await startRabbitMqServer();
  const options = amqpTransportOptionsSchema.parse({ max_retry_interval_sec: 1 });
  return {
    open: () => createAmqpTransport(server.url(), options, pino({ level: 'silent' })),
    dispose: () => server.stop(),
    severConnections: () => server.closeAllConnections(),
  };
}, { severConnections: true });
