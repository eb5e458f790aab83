import type { KombuMessage, Route } from '../../../../src/protocol/kombu-message';
import { encodeRedisEnvelope } from '../../../../src/protocol/redis-envelope';
import { buildOutgoing } from '../../../../src/transport/redis/build-outgoing';

/** buildOutgoing as it was written with spreads: the reference its copies must match. */
function spreadOutgoing(message: KombuMessage, route: Route, deliveryTag: string): KombuMessage {
  const properties: Record<string, unknown> = { ...message.properties };
  properties.delivery_info = { exchange: route.exchange, routing_key: route.routingKey };
  properties.priority = message.properties.priority ?? 0;
  properties.body_encoding = 'base64';
  properties.delivery_tag = deliveryTag;
  return { ...message, properties };
}

const message = (properties: Record<string, unknown>, headers: Record<string, unknown> = { hostname: 'w@h' }): KombuMessage => ({
  body: Buffer.from('{"a": 1}'), contentType: 'application/json', contentEncoding: 'utf-8', headers, properties,
});

describe('buildOutgoing', () => {
  it.each<[string, Record<string, unknown>]>([
    ['an event', { delivery_mode: 1 }],
    ['a task', { correlation_id: 'c', reply_to: 'r', delivery_mode: 2, delivery_info: { exchange: 'x', routing_key: 'y' }, priority: 5 }],
    ['priority 0 and a tag already set', { priority: 0, delivery_tag: 'old', body_encoding: 'utf-8' }],
    ['integer-like keys', { 2: 'b', 1: 'a', z: null }],
    ['an own __proto__ key from JSON', JSON.parse('{"__proto__": {"p": 1}, "delivery_mode": 2}') as Record<string, unknown>],
    ['no properties', {}],
  ])('copies %s as the spread did: same keys, order, values and envelope', (_name, properties) => {
    const route = { exchange: 'celeryev', routingKey: 'task.multi' };
    const m = message(properties);
    const got = buildOutgoing(m, route, 'tag-1');
    const want = spreadOutgoing(m, route, 'tag-1');
    expect(Object.keys(got)).toEqual(Object.keys(want));
    expect(Object.keys(got.properties)).toEqual(Object.keys(want.properties));
    expect(Object.getPrototypeOf(got.properties)).toBe(Object.prototype);
    expect(got).toEqual(want);
    expect(encodeRedisEnvelope(got)).toBe(encodeRedisEnvelope(want));
    // the message passed in is left as it was
    expect(m.properties).toBe(properties);
    expect(Object.keys(m.properties)).toEqual(Object.keys(properties));
  });

  it('keeps any other field of the message and draws a fresh uuid4 delivery tag by default', () => {
    const m = { ...message({}), extra: 1 } as KombuMessage;
    const a = buildOutgoing(m, { exchange: '', routingKey: 'celery' });
    const b = buildOutgoing(m, { exchange: '', routingKey: 'celery' });
    expect((a as unknown as { extra: number }).extra).toBe(1);
    expect(a.properties.delivery_tag).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.properties.delivery_tag).not.toBe(b.properties.delivery_tag);
  });
});
