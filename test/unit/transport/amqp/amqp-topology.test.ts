import { buildExchangeSpec, buildQueueSpec } from '../../../../src/transport/amqp/amqp-topology';

// The declarations kombu 5.6 makes for Celery (kombu/entity.py defaults, kombu/pidbox.py, celery/events):
// a mismatch in durable/auto_delete/arguments is a 406 PRECONDITION_FAILED for whoever declares second.
describe('AMQP topology as kombu declares it', () => {
  it('declares task exchanges durable direct, celeryev durable topic, the mailbox exchanges transient', () => {
    expect(buildExchangeSpec('celery', 'task')).toMatchObject({ type: 'direct', options: { durable: true, autoDelete: false } });
    expect(buildExchangeSpec('celeryev', 'broadcast')).toMatchObject({ type: 'topic', options: { durable: true, autoDelete: false } });
    expect(buildExchangeSpec('celery.pidbox', 'broadcast')).toMatchObject({ type: 'fanout', options: { durable: false, autoDelete: false } });
    expect(buildExchangeSpec('reply.celery.pidbox', 'task')).toMatchObject({ type: 'direct', options: { durable: false, autoDelete: false } });
  });

  it('declares task queues durable with the arguments of the queue table (none, x-max-priority, x-queue-type)', () => {
    expect(buildQueueSpec('celery', 'celery', {}).options).toEqual({ durable: true, exclusive: false, autoDelete: false, arguments: {} });
    expect(buildQueueSpec('celery', 'celery', { 'x-max-priority': 10 }).options.arguments).toEqual({ 'x-max-priority': 10 });
    expect(buildQueueSpec('q', 'q', { 'x-queue-type': 'quorum' }).options)
      .toEqual({ durable: true, exclusive: false, autoDelete: false, arguments: { 'x-queue-type': 'quorum' } });
  });

  it('declares a task exchange with the type its queue table gives (topic for native delayed delivery)', () => {
    expect(buildExchangeSpec('tasks', 'task', 'topic')).toMatchObject({ type: 'topic', options: { durable: true, autoDelete: false } });
    expect(buildExchangeSpec('celeryev', 'task', 'direct').type).toBe('topic');
  });

  it('declares a pidbox reply queue as Mailbox.get_reply_queue: transient, auto-delete, x-expires 10 s', () => {
    expect(buildQueueSpec('oid.reply.celery.pidbox', 'reply.celery.pidbox', { 'x-max-priority': 10 }).options)
      .toEqual({ durable: false, exclusive: false, autoDelete: true, arguments: { 'x-expires': 10_000 } });
  });
});
