import { deflateSync } from 'node:zlib';
import { decodeTaskMessage, MessageDecodeError, type KombuMessage } from '../../../src/protocol';

const ID = '00000001-0000-4000-8000-000000000001';
const opts = { accept: ['json'], maxBodyBytes: 10_000 };

function v2(headers: Record<string, unknown> = {}, body: unknown = [[2, 3], {}, null], extra: Partial<KombuMessage> = {}): KombuMessage {
  return {
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), contentType: 'application/json', contentEncoding: 'utf-8',
    headers: { task: 'tapp.add', id: ID, ...headers }, properties: { correlation_id: ID, priority: 3 }, ...extra,
  };
}

function decodeError(msg: KombuMessage, options = opts): MessageDecodeError {
  try {
    decodeTaskMessage(msg, options);
  } catch (err) {
    if (err instanceof MessageDecodeError) return err;
    throw err;
  }
  throw new Error('decodeTaskMessage did not throw');
}

describe('decodeTaskMessage', () => {
  it('defaults every optional v2 header (only task and id given) and treats a null embed as empty', () => {
    const m = decodeTaskMessage(v2(), opts);
    expect(m).toMatchObject({ protocol: 2, id: ID, task: 'tapp.add', args: [2, 3], kwargs: {}, shadow: null, eta: null, expires: null,
      group: null, groupIndex: null, retries: 0, timeLimitSec: { hard: null, soft: null }, rootId: null, parentId: null, argsRepr: null,
      kwargsRepr: null, origin: null, ignoreResult: false, replacedTaskNesting: 0, stampedHeaders: null, stamps: {}, customHeaders: {},
      embed: { callbacks: null, errbacks: null, chain: null, chord: null }, correlationId: ID, replyTo: null, priority: 3 });
  });

  it('keeps unknown headers as custom headers, not kombu/Celery ones', () => {
    const m = decodeTaskMessage(v2({ 'x-custom': 'v', lang: 'py', redelivered: true, stamp1: 'a', stamped_headers: ['stamp1'] }), opts);
    expect(m.customHeaders).toEqual({ 'x-custom': 'v', stamp1: 'a' });
    expect(m.stampedHeaders).toEqual(['stamp1']);
  });

  it('keeps stamps as sent and every message property (app_id, custom ones) under their wire names', () => {
    const m = decodeTaskMessage(v2({ stamped_headers: ['monitoring_id'], stamps: { monitoring_id: ['m1', 4242] } }, [[], {}, null],
      { properties: { correlation_id: ID, app_id: '1234', test_properties: 'x', delivery_info: { exchange: '' } } }), opts);
    expect([m.stampedHeaders, m.stamps]).toEqual([['monitoring_id'], { monitoring_id: ['m1', 4242] }]);
    expect(m.properties).toEqual({ correlation_id: ID, app_id: '1234', test_properties: 'x', delivery_info: { exchange: '' } });
  });

  it('accepts accept_content given as MIME types, and raw (unescaped) UTF-8 bodies', () => {
    const m = decodeTaskMessage(v2({}, '[["é😀"], {}, null]'), { accept: ['application/json'], maxBodyBytes: 100 });
    expect(m.args).toEqual(['é😀']);
  });

  it('decodes a hybrid message: map body with args, v2 headers win', () => {
    const body = { task: 'old.name', id: 'body-id', args: [1], kwargs: { a: 1 }, retries: 4, taskset: 'g1', callbacks: [{ task: 'cb' }] };
    const m = decodeTaskMessage(v2({ retries: 2 }, body), opts);
    expect(m).toMatchObject({ protocol: 1, task: 'tapp.add', id: ID, args: [1], kwargs: { a: 1 }, retries: 2, group: 'g1',
      embed: { callbacks: [{ task: 'cb' }], errbacks: null, chain: null, chord: null } });
  });

  it('accepts a v1 body without kwargs as {} (Python 5.6 reads body.get("kwargs", {}))', () => {
    const msg = { ...v2({}, { task: 'tapp.add', id: ID, args: [1] }), headers: {} };
    expect(decodeTaskMessage(msg, opts)).toMatchObject({ protocol: 1, kwargs: {}, args: [1] });
  });

  it('decodes a v1 body with an own "__proto__" key (JSON.parse makes one) as it decodes the body without it', () => {
    const plain = '{"task": "tapp.add", "id": "' + ID + '", "args": [1], "kwargs": {}, "retries": 1}';
    const polluted = plain.replace('{', '{"__proto__": {"eta": "2030-01-01T00:00:00", "retries": 5, "group": "g"}, ');
    const decoded = decodeTaskMessage({ ...v2({}, polluted), headers: {} }, opts);
    expect(decoded).toEqual(decodeTaskMessage({ ...v2({}, plain), headers: {} }, opts));
    expect(decoded).toMatchObject({ protocol: 1, eta: null, retries: 1, group: null });
  });

  it('decompresses by the compression header before the size check', () => {
    const body = deflateSync(Buffer.from(JSON.stringify([['x'.repeat(50)], {}, null])));
    expect(decodeTaskMessage({ ...v2({ compression: 'application/x-gzip' }), body }, opts).args).toEqual(['x'.repeat(50)]);
    const big = deflateSync(Buffer.from(JSON.stringify([['x'.repeat(20_000)], {}, null])));
    expect(decodeError({ ...v2({ compression: 'zlib' }), body: big }).code).toBe('CELERIAC_PROTOCOL_TOO_LARGE');
  });

  it.each<[string, KombuMessage, string, RegExp]>([
    ['pickle', v2({}, '[]', { contentType: 'application/x-python-serialize' }), 'CELERIAC_PROTOCOL_CONTENT_DISALLOWED', /not in accept_content/],
    ['yaml', v2({}, '[]', { contentType: 'application/x-yaml' }), 'CELERIAC_PROTOCOL_CONTENT_DISALLOWED', /accept_content/],
    ['oversized body', v2({}, JSON.stringify([['x'.repeat(20_000)], {}, null])), 'CELERIAC_PROTOCOL_TOO_LARGE', /exceeds the 10000-byte limit/],
    ['invalid JSON', v2({}, '[[1], {}'), 'CELERIAC_PROTOCOL_BAD_BODY', /not valid JSON/],
    ['invalid UTF-8', { ...v2(), body: Buffer.from([0x5b, 0xff, 0x5d]) }, 'CELERIAC_PROTOCOL_BAD_BODY', /UTF-8/],
    ['unknown charset', v2({}, [[], {}, null], { contentEncoding: 'utf-16' }), 'CELERIAC_PROTOCOL_BAD_BODY', /content-encoding/],
    ['v2 headers with a map body lacking args', v2({}, { kwargs: {} }), 'CELERIAC_PROTOCOL_BAD_BODY', /map without "args"/],
    ['2-item body', v2({}, [[], {}]), 'CELERIAC_PROTOCOL_BAD_BODY', /\[args \(list\), kwargs \(map\), embed/],
    ['kwargs not a map', v2({}, [[], [], null]), 'CELERIAC_PROTOCOL_BAD_BODY', /kwargs \(map\)/],
    ['embed.chain not a list', v2({}, [[], {}, { chain: 'x' }]), 'CELERIAC_PROTOCOL_INVALID_TASK', /embed "chain" must be a list/],
    ['unknown compression', v2({ compression: 'application/x-bz2' }), 'CELERIAC_PROTOCOL_COMPRESSION_UNSUPPORTED', /x-bz2/],
    ['bad eta', v2({ eta: 'tomorrow' }), 'CELERIAC_PROTOCOL_BAD_ETA', /header "eta" must be an ISO-8601 datetime/],
    ['bad expires type', v2({ expires: 5 }), 'CELERIAC_PROTOCOL_BAD_ETA', /header "expires"/],
    ['retries not an integer', v2({ retries: '1' }), 'CELERIAC_PROTOCOL_INVALID_TASK', /header "retries" must be an integer, got "1"/],
    ['timelimit shape', v2({ timelimit: [1] }), 'CELERIAC_PROTOCOL_INVALID_TASK', /header "timelimit"/],
    ['empty id', v2({ id: '' }), 'CELERIAC_PROTOCOL_INVALID_TASK', /header "id" must be a non-empty string/],
    ['task null in headers', v2({ task: null }), 'CELERIAC_PROTOCOL_INVALID_TASK', /header "task"/],
    ['priority not a number', v2({}, [[], {}, null], { properties: { priority: 'high' } }), 'CELERIAC_PROTOCOL_INVALID_TASK', /property "priority"/],
  ])('refuses %s', (_what, msg, code, message) => {
    const err = decodeError(msg);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('names the task id and name on errors when they were readable', () => {
    const err = decodeError(v2({ retries: 'x' }));
    expect([err.taskId, err.taskName]).toEqual([ID, 'tapp.add']);
    const v1 = decodeError({ ...v2({}, { task: 'tapp.add', id: 'v1-id', args: [], kwargs: [] }), headers: {} });
    expect([v1.code, v1.taskId, v1.taskName]).toEqual(['CELERIAC_PROTOCOL_INVALID_TASK', 'v1-id', 'tapp.add']);
  });

  it('calls a message with no task anywhere unknown', () => {
    for (const body of [[[1], {}, null], { id: 'x', args: [] }, 'null']) {
      expect(decodeError({ ...v2({}, body), headers: {} }).code).toBe('CELERIAC_PROTOCOL_UNKNOWN_MESSAGE');
    }
  });

  it('refuses msgpack even when listed, saying celeriac only decodes JSON', () => {
    const err = decodeError(v2({}, '[]', { contentType: 'application/x-msgpack' }), { accept: ['json', 'msgpack'], maxBodyBytes: 100 });
    expect(err.code).toBe('CELERIAC_PROTOCOL_CONTENT_DISALLOWED');
    expect(err.message).toMatch(/only application\/json/);
  });
});

describe('decodeTaskMessage: time limits Python writes as inf/nan', () => {
  it.each([
    [[Infinity, null], { hard: Infinity, soft: null }],
    [[null, NaN], { hard: null, soft: Infinity }],
    [[Infinity, 30], { hard: Infinity, soft: 30 }],
  ])('timelimit %p means no limit for that side: %p', (timelimit, expected) => {
    expect(decodeTaskMessage(v2({ timelimit }), opts).timeLimitSec).toEqual(expected);
  });

  it.each([[[-Infinity, null]], [[Infinity, -1]], [[Infinity, 'x']]])('still refuses timelimit %p', (timelimit) => {
    expect(decodeError(v2({ timelimit })).code).toBe('CELERIAC_PROTOCOL_INVALID_TASK');
  });

  it('accepts NaN and Infinity in the body, as Python json writes them', () => {
    expect(decodeTaskMessage(v2({}, '[[NaN, Infinity, -Infinity], {"k": NaN}, null]'), opts)).toMatchObject({ args: [NaN, Infinity, -Infinity], kwargs: { k: NaN } });
  });
});
