import type { RedisTransportOptions } from '../../../src/transport/redis/redis-transport-options';
import { DeliveryLog } from '../../contract/transport-contract';
import { useRedisTransports } from '../../helpers/redis-transport-harness';

// What the pop script does with elements it cannot record: nothing is ever popped and left
// unrecorded (a kill -9 then would lose it), nothing vanishes, and no record overwrites another.
const redis = useRedisTransports();
const setup = (options: Partial<RedisTransportOptions> = {}): ReturnType<typeof redis.open> => redis.open(options);

/** A kombu envelope as Python writes it, with a chosen tag. */
function envelope(body: string, tag: string | null, extraHeaders: Record<string, unknown> = {}): string {
  const properties: Record<string, unknown> = { delivery_info: { exchange: '', routing_key: 'q' }, priority: 0, body_encoding: 'base64' };
  if (tag !== null) properties.delivery_tag = tag;
  return JSON.stringify({ body: Buffer.from(body).toString('base64'), 'content-encoding': 'utf-8', 'content-type': 'text/plain',
    headers: { id: `id-${body}`, task: 't.x', ...extraHeaders }, properties });
}

function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe('RedisTransport refusals and tags', () => {
  it('two queued messages sharing a delivery_tag are both recorded under distinct tags, and prefetch credit comes back', async () => {
    const { t, r } = await setup();
    await r.lpush('q', envelope('one', 'same-tag'), envelope('two', 'same-tag'));
    const log = new DeliveryLog();
    const consumer = await t.consume(['q'], 2, log.push);
    const [a, b] = await log.until(2);
    expect(new Set([a?.deliveryTag, b?.deliveryTag]).size).toBe(2);
    expect(await r.hlen('unacked')).toBe(2);
    await a?.ack();
    await b?.ack();
    expect(await r.hlen('unacked')).toBe(0);
    // Both credits returned: two more arrive while nothing is settled.
    await r.lpush('q', envelope('three', 't3'), envelope('four', 't4'));
    const later = await log.until(4);
    expect(later.slice(2).map((d) => d.message.body.toString())).toEqual(['three', 'four']);
    await Promise.all(later.slice(2).map((d) => d.ack()));
    await consumer.stop();
  });

  it.each([
    ['no delivery_tag', () => envelope('untagged', null)],
    ['headers nested deeper than cjson reads', () => envelope('deep', 'tag-deep', { x: deep(1100) })],
    ['not JSON', () => '{"headers": {"id": "id-garbage"}, nope'],
  ])('an element with %s moves whole to the poison queue in the same step, never unrecorded', async (_name, build) => {
    const { t, r } = await setup();
    const raw = build();
    await r.lpush('q', raw);
    const log = new DeliveryLog();
    const consumer = await t.consume(['q'], 4, log.push);
    const [d] = await log.until(1);
    expect(d?.refusal).toMatchObject({ code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', keptIn: 'celeriac.poison' });
    expect(d?.refusal?.taskId).toMatch(/^id-/);
    expect(await r.lrange('celeriac.poison', 0, -1)).toEqual([raw]);
    expect(await r.hlen('unacked')).toBe(0);
    await d?.reject(false);
    await consumer.stop();
    // Giving it back at close has nothing to restore: it is already kept in the poison queue.
    expect(await r.llen('q')).toBe(0);
  });

  it('refuses an element over maxElementBytes without decoding it; read back from the poison queue it stays there', async () => {
    const { t, r } = await setup({ maxElementBytes: 1000 });
    const raw = envelope('x'.repeat(5000), 'big-tag');
    await r.lpush('q', raw, envelope('small', 'small-tag'));
    const log = new DeliveryLog();
    const consumer = await t.consume(['q'], 4, log.push);
    const [first, second] = await log.until(2);
    expect(first?.refusal?.reason).toMatch(/larger than the limit of 1000 bytes/);
    expect(second?.refusal).toBeUndefined();
    expect(second?.message.body.toString()).toBe('small');
    await first?.reject(false);
    await second?.ack();
    await consumer.stop();
    expect(await r.lrange('celeriac.poison', 0, -1)).toEqual([raw]);

    // An operator reading the poison queue sees the reason again; the element stays where it is.
    const dlq = new DeliveryLog();
    const reader = await t.consume(['celeriac.poison'], 4, dlq.push);
    const [again] = await dlq.until(1);
    expect(again?.refusal?.reason).toMatch(/larger than the limit/);
    await reader.stop();
    expect(await r.lrange('celeriac.poison', 0, -1)).toEqual([raw]);
    expect(dlq.items).toHaveLength(1);
  });
});
