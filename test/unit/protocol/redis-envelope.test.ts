import { ProtocolError } from '../../../src/errors/celeriac-error';
import { decodeRedisEnvelope, decodeTaskMessage, encodeRedisEnvelope } from '../../../src/protocol';

// Captured from Python Celery 5.6.2 / kombu 5.6.2 (LRANGE of the queue after this call against a private redis-server):
//   app.send_task('faults.echo', args=[float('nan'), float('inf'), -float('inf')], headers={'x-score': float('nan')},
//                 time_limit=float('inf'), soft_time_limit=float('nan'), task_id='5b1c1f3e-7d1a-4b8e-9a55-0c6f1d2e3a4b')
const PYTHON_NAN_ENVELOPE = '{"body": "W1tOYU4sIEluZmluaXR5LCAtSW5maW5pdHldLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", '
  + '"content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "faults.echo", '
  + '"id": "5b1c1f3e-7d1a-4b8e-9a55-0c6f1d2e3a4b", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, '
  + '"retries": 0, "timelimit": [Infinity, NaN], "root_id": "5b1c1f3e-7d1a-4b8e-9a55-0c6f1d2e3a4b", "parent_id": null, '
  + '"argsrepr": "[nan, inf, -inf]", "kwargsrepr": "{}", "origin": "gen21030@vm", "ignore_result": false, "replaced_task_nesting": 0, '
  + '"stamped_headers": null, "stamps": {}, "x-score": NaN}, "properties": {"correlation_id": "5b1c1f3e-7d1a-4b8e-9a55-0c6f1d2e3a4b", '
  + '"reply_to": "004d0e12-85d4-3112-a32b-70f9eda375ef", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, '
  + '"priority": 0, "body_encoding": "base64", "delivery_tag": "c11eff98-c2e5-4615-9c7a-65d0997c35a6"}}';

describe('decodeRedisEnvelope', () => {
  it('accepts the bare NaN/Infinity kombu writes in headers, and the task decodes with time_limit=inf as no limit', () => {
    const { message } = decodeRedisEnvelope(PYTHON_NAN_ENVELOPE);
    expect(message.headers['x-score']).toBeNaN();
    expect(message.headers.timelimit).toEqual([Infinity, NaN]);
    expect(message.properties.delivery_tag).toBe('c11eff98-c2e5-4615-9c7a-65d0997c35a6');
    const task = decodeTaskMessage(message, { accept: ['json'], maxBodyBytes: 1000 });
    expect(task.args).toEqual([NaN, Infinity, -Infinity]);
    expect(task.timeLimitSec).toEqual({ hard: Infinity, soft: Infinity });
    expect(task.customHeaders['x-score']).toBeNaN();
  });

  it('reads big integers in a tolerant parse as bigint, as Python ints', () => {
    const { message } = decodeRedisEnvelope('{"body": "", "headers": {"x-big": 18446744073709551616, "x-inf": -Infinity}, "properties": {"body_encoding": "utf-8"}}');
    expect(message.headers).toEqual({ 'x-big': 2n ** 64n, 'x-inf': -Infinity });
  });

  it.each([
    ['not JSON at all', 'nope', /envelope is not JSON: unexpected character at position 0/],
    ['trailing garbage after NaN', '{"body": "", "headers": {"a": NaN}} x', /envelope is not JSON: extra data at position 36/],
    ['a lower-case nan (Python refuses it too)', '{"body": "", "headers": {"a": nan}}', /envelope is not JSON/],
  ])('still refuses %s with CELERIAC_PROTOCOL_BAD_ENVELOPE and the position', (_what, raw, message) => {
    let thrown: unknown;
    try {
      decodeRedisEnvelope(raw);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect(thrown).toMatchObject({ code: 'CELERIAC_PROTOCOL_BAD_ENVELOPE', message: expect.stringMatching(message) as unknown });
  });

  it('round-trips what encodeRedisEnvelope writes', () => {
    const raw = encodeRedisEnvelope({ body: Buffer.from('[[1], {}, null]'), contentType: 'application/json', contentEncoding: 'utf-8',
      headers: { task: 't', id: 'i' }, properties: { body_encoding: 'base64', delivery_tag: 'd' } });
    expect(decodeRedisEnvelope(raw).message.body.toString()).toBe('[[1], {}, null]');
  });
});
