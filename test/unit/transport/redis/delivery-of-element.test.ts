import { deliveryOfElement, type SettleDelivery } from '../../../../src/transport/redis/delivery-of-element';
import type { PoppedElement } from '../../../../src/transport/redis/pop-and-record';

const settled: Array<{ tag: string; how: string }> = [];
const settle: SettleDelivery = (d, how) => {
  settled.push({ tag: d.deliveryTag, how });
  return Promise.resolve();
};

function envelope(headers: Record<string, unknown>, properties: Record<string, unknown>): string {
  return JSON.stringify({
    body: Buffer.from(JSON.stringify([[2, 3], {}, {}])).toString('base64'),
    'content-encoding': 'utf-8', 'content-type': 'application/json', headers,
    properties: { body_encoding: 'base64', ...properties },
  });
}

function element(raw: string, refusal: string | null = null, queue = 'emails', tag = 'tag-1'): PoppedElement {
  return { queue, raw, tag, refusal };
}

describe('deliveryOfElement', () => {
  beforeEach(() => { settled.length = 0; });

  it('decodes a recorded element: message, route from delivery_info, redelivered flag', () => {
    const raw = envelope({ id: 'id-1', task: 'tasks.add', redelivered: true },
      { delivery_tag: 'tag-1', delivery_info: { exchange: 'ex', routing_key: 'rk' } });
    const d = deliveryOfElement(element(raw), 'celeriac.poison', settle);
    expect(d.refusal).toBeUndefined();
    expect(d.deliveryTag).toBe('tag-1');
    expect(d.queue).toBe('emails');
    expect(d.route).toEqual({ exchange: 'ex', routingKey: 'rk' });
    expect(d.redelivered).toBe(true);
    expect(d.message.headers.task).toBe('tasks.add');
    expect(JSON.parse(d.message.body.toString('utf8'))).toEqual([[2, 3], {}, {}]);
  });

  it('routes by the queue when delivery_info has no routing key, and is not redelivered without a flag', () => {
    const d = deliveryOfElement(element(envelope({ id: 'id-2' }, { delivery_tag: 'tag-1' })), '', settle);
    expect(d.route).toEqual({ exchange: '', routingKey: 'emails' });
    expect(d.redelivered).toBe(false);
  });

  it('settles through the function given, once', async () => {
    const d = deliveryOfElement(element(envelope({ id: 'id-3' }, { delivery_tag: 'tag-1' })), '', settle);
    await d.ack();
    await d.ack();
    expect(settled).toEqual([{ tag: 'tag-1', how: 'ack' }]);
  });

  it('carries a refusal of the pop script, kept in the poison queue, with the ids it can read', () => {
    const raw = '{"headers": {"id": "id-4", "task": "tasks.big"}, "body": "' + 'x'.repeat(50) + '"';
    const d = deliveryOfElement(element(raw, 'message of 99 bytes is larger than the limit of 10 bytes', 'emails', 'poison.1'),
      'celeriac.poison', settle);
    expect(d.refusal).toEqual({ code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', reason: 'message of 99 bytes is larger than the limit of 10 bytes',
      taskId: 'id-4', taskName: 'tasks.big', keptIn: 'celeriac.poison' });
    expect(d.message.contentType).toBe('application/x-celeriac-undecodable');
    expect(d.message.body.toString('utf8')).toBe(raw);
    expect(d.message.headers).toEqual({ id: 'id-4', task: 'tasks.big' });
    expect(d.route).toEqual({ exchange: '', routingKey: 'emails' });
  });

  it('names no keptIn for a script refusal when no poison queue is configured (the script dropped it)', () => {
    const d = deliveryOfElement(element('not json', 'envelope is not JSON'), '', settle);
    expect(d.refusal).toEqual({ code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', reason: 'envelope is not JSON' });
    expect(d.message.headers).toEqual({});
  });

  it('refuses a recorded element it cannot decode, without keptIn, reading the id from correlation_id', () => {
    const raw = JSON.stringify({ body: 42, properties: { delivery_tag: 'tag-1', correlation_id: 'id-5' } });
    const d = deliveryOfElement(element(raw), 'celeriac.poison', settle);
    expect(d.refusal?.code).toBe('CELERIAC_PROTOCOL_BAD_ENVELOPE');
    expect(d.refusal?.reason).toMatch(/no string "body"/);
    expect(d.refusal?.keptIn).toBeUndefined();
    expect(d.refusal?.taskId).toBe('id-5');
    expect(d.deliveryTag).toBe('tag-1');
  });
});
