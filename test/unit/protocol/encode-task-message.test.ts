import {
  decodeTaskMessage, encodeRedisEnvelope, decodeRedisEnvelope, encodeTaskMessage, PythonDatetime,
} from '../../../src/protocol';

const now = new PythonDatetime(Date.parse('2026-11-21T04:21:56.375Z'), 375670);

describe('encodeTaskMessage', () => {
  it('writes Celery\'s header order, defaults and a Python-shaped body', () => {
    const m = encodeTaskMessage({ task: 'tapp.add', id: 'id-1', args: [2, 3], origin: 'gen1@host', replyTo: 'r' }, now);
    expect(Object.keys(m.headers)).toEqual(['lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries',
      'timelimit', 'root_id', 'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting',
      'stamped_headers', 'stamps']);
    expect(m.headers).toMatchObject({ lang: 'py', root_id: 'id-1', argsrepr: '(2, 3)', kwargsrepr: '{}', timelimit: [null, null] });
    expect(m.body.toString()).toBe('[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]');
    expect(m.properties).toEqual({ correlation_id: 'id-1', reply_to: 'r', delivery_mode: 2, priority: 0 });
    expect([m.contentType, m.contentEncoding]).toEqual(['application/json', 'utf-8']);
  });

  it('computes eta from countdownSec and expires from expiresSec with microseconds, as Python isoformat', () => {
    const m = encodeTaskMessage({ task: 't', id: 'i', countdownSec: 10, expiresSec: 60, priority: 5 }, now);
    expect([m.headers.eta, m.headers.expires]).toEqual(['2026-11-21T04:22:06.375670+00:00', '2026-11-21T04:22:56.375670+00:00']);
    expect(Object.keys(m.properties)).toEqual(['correlation_id', 'reply_to', 'delivery_mode', 'expiration', 'priority']);
    expect(m.properties).toMatchObject({ expiration: '60000', priority: 5 });
  });

  it('derives expiration from an absolute expires, clamped at 0', () => {
    // a plain Date has .375000 s; now has .375670 s: 1499.33 ms, truncated as Python's int()
    expect(encodeTaskMessage({ task: 't', id: 'i', expires: new Date(now.getTime() + 1500) }, now).properties.expiration).toBe('1499');
    expect(encodeTaskMessage({ task: 't', id: 'i', expires: new Date(now.getTime() + 1500) }, new Date(now.getTime())).properties.expiration).toBe('1500');
    expect(encodeTaskMessage({ task: 't', id: 'i', expires: new Date(now.getTime() - 1500) }, now).properties.expiration).toBe('0');
  });

  it('appends custom headers after the standard ones without letting them replace one', () => {
    const m = encodeTaskMessage({ task: 't', id: 'i', customHeaders: { 'x-custom': 'v', task: 'evil' } }, now);
    expect(Object.keys(m.headers).slice(-1)).toEqual(['x-custom']);
    expect(m.headers.task).toBe('t');
  });

  it('compresses and names the compression as kombu does', () => {
    const m = encodeTaskMessage({ task: 't', id: 'i', compression: 'zlib' }, now);
    expect(m.headers.compression).toBe('application/x-gzip');
    expect(decodeTaskMessage(m, { accept: ['json'], maxBodyBytes: 1000 }).args).toEqual([]);
  });

  it('round-trips through the Redis envelope and decodeTaskMessage', () => {
    const input = { task: 'tapp.add', id: 'i', args: [new Date('2024-01-02T03:04:05Z'), 2n ** 64n, '😀'], kwargs: { k: Buffer.from([1]) },
      eta: now, group: 'g', groupIndex: 1, retries: 2, timeLimitSec: { hard: 30, soft: 20 }, parentId: 'p', rootId: 'r', shadow: 's',
      ignoreResult: true, embed: { chain: [{ task: 'next' }] }, priority: 9, stamps: { a: 1 }, stampedHeaders: ['a'] };
    const m = encodeTaskMessage(input, now);
    const raw = encodeRedisEnvelope({ ...m, properties: { ...m.properties, delivery_info: { exchange: '', routing_key: 'celery' },
      body_encoding: 'base64', delivery_tag: 'tag' } });
    const back = decodeTaskMessage(decodeRedisEnvelope(raw).message, { accept: ['json'], maxBodyBytes: 10_000 });
    expect(back).toMatchObject({ ...input, timeLimitSec: { hard: 30, soft: 20 }, embed: { callbacks: null, errbacks: null, chain: [{ task: 'next' }], chord: null } });
    expect(back.argsRepr).toBe("(datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), 18446744073709551616, '😀')");
    expect(back.kwargsRepr).toBe("{'k': b'\u0001'}");
  });

  it('refuses a missing task or id, invalid dates and non-finite countdowns', () => {
    expect(() => encodeTaskMessage({ task: '', id: 'i' }, now)).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_ENCODE' }));
    expect(() => encodeTaskMessage({ task: 't', id: '' }, now)).toThrow(/id is required/);
    expect(() => encodeTaskMessage({ task: 't', id: 'i', eta: new Date(NaN) }, now)).toThrow(/eta is an invalid Date/);
    expect(() => encodeTaskMessage({ task: 't', id: 'i', countdownSec: NaN }, now)).toThrow(/not a number of seconds/);
  });
});
