import { decodeControlRequest } from '../../../../src/protocol/pidbox/decode-control-request';
import { buildError, buildOk, encodeControlReply } from '../../../../src/protocol/pidbox/encode-control-reply';
import { buildGlobRegExp } from '../../../../src/protocol/build-glob-reg-exp';
import { isAddressedTo, matchNodeName } from '../../../../src/protocol/pidbox/is-addressed-to';
import type { KombuMessage } from '../../../../src/protocol/kombu-message';

/** Wire spec §11 item 17: the `celery inspect ping` request and the Python worker's reply, captured. */
const CAPTURED_PING_REQUEST_B64 = 'eyJtZXRob2QiOiAicGluZyIsICJhcmd1bWVudHMiOiB7fSwgImRlc3RpbmF0aW9uIjogbnVsbCwgInBhdHRlcm4iOiBudWxsLCAibWF0Y2hlciI6IG51bGwsICJ0aWNrZXQiOiAiMmVmNjJmY2MtM2RkOC00YjVlLThmYTItZDgzNzk1OGZlMDZkIiwgInJlcGx5X3RvIjogeyJleGNoYW5nZSI6ICJyZXBseS5jZWxlcnkucGlkYm94IiwgInJvdXRpbmdfa2V5IjogIjIwOWU2NzU5LTA0MzctMzlhMC05NmQ2LTk4YzcyNzIyZmViOSJ9fQ==';
const CAPTURED_PING_REPLY_B64 = 'eyJjZWxlcnlAcHl3b3JrZXIiOiB7Im9rIjogInBvbmcifX0=';

function requestMessage(body: unknown, headers: Record<string, unknown> = { clock: 1 }): KombuMessage {
  return {
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    contentType: 'application/json', contentEncoding: 'utf-8', headers, properties: {},
  };
}

describe('pidbox protocol', () => {
  it('decodes the captured ping request', () => {
    const request = decodeControlRequest({
      body: Buffer.from(CAPTURED_PING_REQUEST_B64, 'base64'),
      contentType: 'application/json', contentEncoding: 'utf-8',
      headers: { clock: 1, expires: 1795234932.1299376 },
      properties: { delivery_mode: 2 },
    });
    expect(request).toEqual({
      method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null,
      ticket: '2ef62fcc-3dd8-4b5e-8fa2-d837958fe06d',
      replyTo: { exchange: 'reply.celery.pidbox', routingKey: '209e6759-0437-39a0-96d6-98c72722feb9' },
      clock: 1, expiresSec: 1795234932.1299376,
    });
  });

  it('encodes the ping reply exactly as the Python worker did', () => {
    const reply = encodeControlReply('celery@pyworker', buildOk('pong'),
      { exchange: 'reply.celery.pidbox', routingKey: '209e6759-0437-39a0-96d6-98c72722feb9' },
      '2ef62fcc-3dd8-4b5e-8fa2-d837958fe06d', 3);
    expect(reply.message.body.toString('base64')).toBe(CAPTURED_PING_REPLY_B64);
    expect(reply.message.headers).toEqual({ ticket: '2ef62fcc-3dd8-4b5e-8fa2-d837958fe06d', clock: 3 });
    expect(reply.message.properties).toEqual({ delivery_mode: 1 });
    expect(reply.route).toEqual({ exchange: 'reply.celery.pidbox', routingKey: '209e6759-0437-39a0-96d6-98c72722feb9' });
  });

  it('writes a handler returning nothing as null, and errors as {"error": ...}', () => {
    const to = { exchange: 'reply.celery.pidbox', routingKey: 'k' };
    expect(encodeControlReply('n@h', undefined, to, 't', 1).message.body.toString()).toBe('{"n@h": null}');
    expect(encodeControlReply('n@h', buildError("KeyError('x')"), to, 't', 1).message.body.toString())
      .toBe('{"n@h": {"error": "KeyError(\'x\')"}}');
  });

  it('rejects malformed requests with a stable code', () => {
    const cases: KombuMessage[] = [
      requestMessage('not json'),
      requestMessage({ arguments: {} }),
      requestMessage({ method: 'ping', destination: 'ts1@host' }),
      requestMessage({ method: 'ping', reply_to: { exchange: 'x' } }),
      { ...requestMessage({ method: 'ping' }), contentType: 'application/x-python-serialize' },
    ];
    for (const message of cases) {
      expect(() => decodeControlRequest(message)).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_BAD_CONTROL' }));
    }
  });

  it('addresses by destination, then pattern+matcher, else everybody', () => {
    const none = { destination: null, pattern: null, matcher: null };
    expect(isAddressedTo(none, 'a@h')).toBe(true);
    expect(isAddressedTo({ ...none, destination: ['a@h', 'b@h'] }, 'a@h')).toBe(true);
    expect(isAddressedTo({ ...none, destination: ['b@h'] }, 'a@h')).toBe(false);
    // destination wins over pattern, as kombu's Node.handle_message
    expect(isAddressedTo({ destination: ['b@h'], pattern: '*', matcher: 'glob' }, 'a@h')).toBe(false);
    expect(isAddressedTo({ ...none, pattern: 'a@*', matcher: 'glob' }, 'a@h')).toBe(true);
    expect(isAddressedTo({ ...none, pattern: 'a@*', matcher: 'glob' }, 'b@h')).toBe(false);
    expect(isAddressedTo({ ...none, pattern: 'a@*' }, 'b@h')).toBe(true); // pattern without matcher is ignored
    expect(isAddressedTo({ ...none, pattern: 'x', matcher: 'nosuch' }, 'x')).toBe(false);
  });

  it('matches glob as fnmatch and pcre as re.match (anchored at the start only)', () => {
    expect(matchNodeName('worker1@host.example', 'worker?@host.*', 'glob')).toBe(true);
    expect(matchNodeName('worker1@host', 'worker[!2]@host', 'glob')).toBe(true);
    expect(matchNodeName('worker2@host', 'worker[!2]@host', 'glob')).toBe(false);
    expect(matchNodeName('w.x', 'w?x', 'glob')).toBe(true);
    expect(matchNodeName('wax', 'w.x', 'glob')).toBe(false);
    expect(buildGlobRegExp('[]]').test(']')).toBe(true);
    expect(matchNodeName('celery@host', 'cel', 'pcre')).toBe(true);
    expect(matchNodeName('celery@host', 'host', 'pcre')).toBe(false);
    expect(matchNodeName('celery@host', '(', 'pcre')).toBe(false);
  });
});
