import {
  buildEvent, buildEventRoutingKey, buildUtcOffset, buildWorkerEventFields, encodeEventMessage,
} from '../../../../src/protocol/events/encode-event';
import { buildTaskEventFields } from '../../../../src/protocol/events/build-task-event-fields';
import { encodePythonJsonWithFloats, pyFloat } from '../../../../src/protocol/events/python-float';

/** Wire spec §11 item 16: body of a worker-heartbeat captured from celery 5.6.2 (base64 in the envelope). */
const CAPTURED_HEARTBEAT_B64 = 'eyJob3N0bmFtZSI6ICJjZWxlcnlAcHl3b3JrZXIiLCAidXRjb2Zmc2V0IjogMCwgInBpZCI6IDExMzAzLCAiY2xvY2siOiAyLCAiZnJlcSI6IDIuMCwgImFjdGl2ZSI6IDAsICJwcm9jZXNzZWQiOiAwLCAibG9hZGF2ZyI6IFswLjU3LCAwLjMzLCAwLjEyXSwgInN3X2lkZW50IjogInB5LWNlbGVyeSIsICJzd192ZXIiOiAiNS42LjIiLCAic3dfc3lzIjogIkxpbnV4IiwgInRpbWVzdGFtcCI6IDE3OTUyMzQ5MTcuOTE2MjQ3NiwgInR5cGUiOiAid29ya2VyLWhlYXJ0YmVhdCJ9';

describe('encode-event', () => {
  it('reproduces the captured Python heartbeat body byte for byte', () => {
    const fields = buildWorkerEventFields(
      { freqSec: 2, active: 0, processed: 0, loadavg: [0.57, 0.33, 0.12] },
      { ident: 'py-celery', version: '5.6.2', system: 'Linux' },
    );
    const event = buildEvent('worker-heartbeat', {
      hostname: 'celery@pyworker', pid: 11303, clock: 2, timestampSec: 1795234917.9162476, timezoneOffsetMin: 0,
    }, fields);
    const message = encodeEventMessage(event, 'celery@pyworker');
    expect(message.body.toString('base64')).toBe(CAPTURED_HEARTBEAT_B64);
    expect(message.headers).toEqual({ hostname: 'celery@pyworker' });
    expect(message.properties).toEqual({ delivery_mode: 1 });
    expect(message.contentType).toBe('application/json');
    expect(message.contentEncoding).toBe('utf-8');
  });

  it('uses Python’s inverted, floored utcoffset (hours west of UTC)', () => {
    expect(buildUtcOffset(0)).toBe(0);
    expect(buildUtcOffset(-120)).toBe(-2); // UTC+2
    expect(buildUtcOffset(300)).toBe(5); // UTC-5
    expect(buildUtcOffset(-330)).toBe(-6); // UTC+5:30, floored as time.timezone // 3600
  });

  it('routes events by type with dots', () => {
    expect(buildEventRoutingKey('task-succeeded')).toBe('task.succeeded');
    expect(buildEventRoutingKey('worker-heartbeat')).toBe('worker.heartbeat');
  });

  it('rounds load averages to two decimals and writes them as floats', () => {
    const fields = buildWorkerEventFields({ freqSec: 5, active: 1, processed: 3, loadavg: [1, 0.123, 2.999] },
      { ident: 'celeriac', version: '0.1.0', system: 'Linux' });
    expect(encodePythonJsonWithFloats(fields)).toBe(
      '{"freq": 5.0, "active": 1, "processed": 3, "loadavg": [1.0, 0.12, 3.0], "sw_ident": "celeriac", "sw_ver": "0.1.0", "sw_sys": "Linux"}',
    );
  });

  it('builds task-received with repr strings and ISO dates in Python’s order', () => {
    const fields = buildTaskEventFields('task-received', {
      uuid: 'u1', name: 'tapp.add', argsRepr: '(2, 3)', kwargsRepr: '{}', retries: 1,
      eta: new Date('2026-01-02T03:04:05.123Z'), expires: null, rootId: 'r', parentId: null,
    });
    expect(encodePythonJsonWithFloats(fields)).toBe(
      '{"uuid": "u1", "name": "tapp.add", "args": "(2, 3)", "kwargs": "{}", "root_id": "r", "parent_id": null, '
      + '"retries": 1, "eta": "2026-01-02T03:04:05.123000+00:00", "expires": null}',
    );
  });

  it('builds the other task events with their captured fields', () => {
    expect(buildTaskEventFields('task-started', { uuid: 'u' })).toEqual({ uuid: 'u' });
    expect(encodePythonJsonWithFloats(buildTaskEventFields('task-succeeded', { uuid: 'u', resultRepr: '5', runtimeSec: 2 })))
      .toBe('{"uuid": "u", "result": "5", "runtime": 2.0}');
    expect(buildTaskEventFields('task-failed', { uuid: 'u', exceptionRepr: "ValueError('boom')", traceback: 'T' }))
      .toEqual({ uuid: 'u', exception: "ValueError('boom')", traceback: 'T' });
    expect(buildTaskEventFields('task-rejected', { uuid: 'u', requeue: true })).toEqual({ uuid: 'u', requeue: true });
    expect(buildTaskEventFields('task-revoked', { uuid: 'u', expired: true }))
      .toEqual({ uuid: 'u', terminated: false, signum: null, expired: true });
  });

  it('never mistakes a user string for a float token', () => {
    const text = encodePythonJsonWithFloats({ a: pyFloat(1), s: 'pyfloat-0000000000000000:0', é: 'ü' });
    expect(text).toBe('{"a": 1.0, "s": "pyfloat-0000000000000000:0", "\\u00e9": "\\u00fc"}');
  });
});
