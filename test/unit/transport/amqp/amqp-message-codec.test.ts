import { decodeAmqpMessage, encodeAmqpPublishOptions } from '../../../../src/transport/amqp/amqp-message-codec';

describe('AMQP message properties as kombu sends them', () => {
  it('maps kombu properties to basic properties, leaving out the Redis-only ones', () => {
    const options = encodeAmqpPublishOptions({
      body: Buffer.from('{}'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { retries: 1 },
      properties: { correlation_id: 'abc', reply_to: 'r.q', delivery_mode: 2, priority: 300, delivery_info: { exchange: 'x' },
        body_encoding: 'base64', delivery_tag: 'tag' },
    });
    expect(options).toEqual({ contentType: 'application/json', contentEncoding: 'utf-8', headers: { retries: { '!': 'int', value: 1 } },
      deliveryMode: 2, priority: 255, correlationId: 'abc', replyTo: 'r.q' });
  });

  it('decodes a delivery with delivery_info, kombu property names and plain header values', () => {
    const { message, route } = decodeAmqpMessage({
      content: Buffer.from('x'),
      fields: { exchange: 'celery', routingKey: 'celery', redelivered: true },
      properties: { contentType: 'application/json', contentEncoding: 'utf-8', headers: { retries: 2 }, deliveryMode: 2,
        priority: undefined, correlationId: 'id1', replyTo: undefined, expiration: undefined, messageId: undefined,
        timestamp: undefined, type: undefined, userId: undefined, appId: undefined, clusterId: undefined },
    }, 'celery');
    expect(route).toEqual({ exchange: 'celery', routingKey: 'celery' });
    expect(message).toEqual({ body: Buffer.from('x'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { retries: 2 },
      properties: { delivery_mode: 2, priority: 0, correlation_id: 'id1',
        delivery_info: { exchange: 'celery', routing_key: 'celery', redelivered: true, queue: 'celery' } } });
  });
});
