import { formatPythonDatetime } from '../../../../src/protocol/python-datetime';
import { AmqpDelayedDelivery, countdownOf, withoutDeadLetterHeaders } from '../../../../src/transport/amqp/amqp-delayed-delivery';
import { AmqpQueueTable } from '../../../../src/transport/amqp/amqp-queue-table';
import { calculateDelayedRoutingKey } from '../../../../src/transport/amqp/native-delayed-delivery';
import type { KombuMessage } from '../../../../src/protocol/kombu-message';

const NOW = Date.UTC(2026, 11, 2, 3, 0, 0);
const message = (headers: Record<string, unknown>): KombuMessage =>
  ({ body: Buffer.from('[]'), contentType: 'application/json', contentEncoding: 'utf-8', headers, properties: {} });
const etaIn = (ms: number): KombuMessage => message({ id: 't1', task: 'x', eta: formatPythonDatetime(new Date(NOW + ms)) });

const quorumTopic = new AmqpQueueTable({ task_queues: {
  qt: { exchange: 'qt', exchange_type: 'topic', routing_key: 'qt.rk', queue_arguments: { 'x-queue-type': 'quorum' } },
  qd: { exchange: 'qd', exchange_type: 'direct', queue_arguments: { 'x-queue-type': 'quorum' } },
} });

// Python Celery 5.6's send_task (celery/app/base.py): with a quorum queue configured, a countdown/ETA
// through a non-direct exchange goes to celery_delayed_27 with int(countdown)'s bits before the key.
describe('AmqpDelayedDelivery.planPublish', () => {
  const delayed = new AmqpDelayedDelivery(quorumTopic);

  it('routes a queue-name publish to a topic quorum queue through celery_delayed_27 with the queue routing key', () => {
    expect(delayed.planPublish(etaIn(8_400), { exchange: '', routingKey: 'qt' }, NOW)).toEqual({
      route: { exchange: 'celery_delayed_27', routingKey: calculateDelayedRoutingKey(8, 'qt.rk') },
      targets: [{ queue: 'qt', exchange: 'qt', exchangeType: 'topic', routingKey: 'qt.rk' }],
    });
  });

  it('routes an exchange publish with its own routing key, binding the queues of that exchange', () => {
    expect(delayed.planPublish(etaIn(65_000), { exchange: 'qt', routingKey: 'other.key' }, NOW)?.route)
      .toEqual({ exchange: 'celery_delayed_27', routingKey: calculateDelayedRoutingKey(65, 'other.key') });
  });

  it('leaves alone what Python leaves alone: direct exchanges, no ETA, an ETA under a second away or past', () => {
    expect(delayed.planPublish(etaIn(8_000), { exchange: '', routingKey: 'qd' }, NOW)).toBeNull();
    expect(delayed.planPublish(etaIn(8_000), { exchange: 'qd', routingKey: 'qd' }, NOW)).toBeNull();
    expect(delayed.planPublish(message({ id: 't' }), { exchange: '', routingKey: 'qt' }, NOW)).toBeNull();
    expect(delayed.planPublish(etaIn(900), { exchange: '', routingKey: 'qt' }, NOW)).toBeNull();
    expect(delayed.planPublish(etaIn(-5_000), { exchange: '', routingKey: 'qt' }, NOW)).toBeNull();
  });

  it('binds a missing queue created on its own topic exchange (task_create_missing_queue_*) before routing to it', () => {
    const missing = new AmqpDelayedDelivery(new AmqpQueueTable({ task_create_missing_queue_type: 'quorum', task_create_missing_queue_exchange_type: 'topic' }));
    expect(missing.planPublish(etaIn(3_000), { exchange: 'jobs', routingKey: 'jobs' }, NOW)).toEqual({
      route: { exchange: 'celery_delayed_27', routingKey: calculateDelayedRoutingKey(3, 'jobs') },
      targets: [{ queue: 'jobs', exchange: 'jobs', exchangeType: 'topic', routingKey: 'jobs' }],
    });
  });

  it('does nothing without a quorum queue configured (Python does not detect one then)', () => {
    const classic = new AmqpDelayedDelivery(new AmqpQueueTable({ task_default_exchange_type: 'topic' }));
    expect(classic.enabled).toBe(false);
    expect(classic.planPublish(etaIn(8_000), { exchange: '', routingKey: 'celery' }, NOW)).toBeNull();
  });
});

describe('AmqpDelayedDelivery.planPostpone', () => {
  it('brings a message back to exactly its queue: by the delivery exchange binding for a direct queue, through its exchange for a topic one', () => {
    const delayed = new AmqpDelayedDelivery(quorumTopic);
    expect(delayed.planPostpone('qd', 100).route).toEqual({ exchange: 'celery_delayed_27', routingKey: calculateDelayedRoutingKey(100, 'qd') });
    expect(delayed.planPostpone('qt', 100).route.routingKey).toBe(calculateDelayedRoutingKey(100, 'qt.rk'));
    expect(delayed.planPostpone('missing', 3).targets).toEqual([{ queue: 'missing', exchange: 'missing', exchangeType: 'direct', routingKey: 'missing' }]);
  });
});

describe('countdownOf / withoutDeadLetterHeaders', () => {
  it("truncates to whole seconds as Python's int(countdown), reads naive ETAs as UTC, ignores unreadable ones", () => {
    expect(countdownOf(etaIn(7_999), NOW)).toBe(7);
    expect(countdownOf(message({ eta: '2026-12-02T03:00:10' }), NOW)).toBe(10);
    expect(countdownOf(message({ eta: 'soon' }), NOW)).toBeNull();
    expect(countdownOf(message({ eta: null }), NOW)).toBeNull();
  });

  it('drops the x-death bookkeeping RabbitMQ added on dead-lettering, keeps the task headers', () => {
    const m = message({ id: 't', eta: 'x', 'x-death': [{ count: 1 }], 'x-first-death-queue': 'celery_delayed_2', 'x-last-death-reason': 'expired' });
    expect(withoutDeadLetterHeaders(m).headers).toEqual({ id: 't', eta: 'x' });
  });
});
