import { ProtocolError } from '../errors/celeriac-error';
import type { KombuMessage } from './kombu-message';
import { parsePythonJsonTolerant } from './parse-python-json';
import { encodePythonJson } from './python-json';
import { isRecord } from './read-wire-field';

/** The JSON object kombu's Redis transport stores in a list element (wire names). */
export interface RedisEnvelope {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/**
 * Parses one Redis list element. The body is base64 unless `properties.body_encoding` is absent or
 * `utf-8` (newer kombu tolerates utf-8; kombu `Channel.decode_body`). Accepts what Python's json
 * accepts (bare NaN/Infinity, big integers as bigint). Throws ProtocolError naming what is wrong.
 */
export function decodeRedisEnvelope(raw: string | Buffer): { envelope: RedisEnvelope; message: KombuMessage } {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = parseTolerantly(text);
  }
  if (!isRecord(parsed)) throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', 'envelope is not a JSON object');
  const { body } = parsed;
  if (typeof body !== 'string') throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', 'envelope has no string "body"');
  const headers = parsed.headers ?? {};
  const properties = parsed.properties ?? {};
  if (!isRecord(headers)) throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', 'envelope "headers" is not an object');
  if (!isRecord(properties)) throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', 'envelope "properties" is not an object');
  const contentType = typeof parsed['content-type'] === 'string' ? parsed['content-type'] : 'application/data';
  const contentEncoding = typeof parsed['content-encoding'] === 'string' ? parsed['content-encoding'] : 'binary';
  const envelope: RedisEnvelope = { body, 'content-encoding': contentEncoding, 'content-type': contentType, headers, properties };
  return { envelope, message: { body: decodeBody(body, properties.body_encoding), contentType, contentEncoding, headers, properties } };
}

/**
 * kombu writes `NaN`, `Infinity` and `-Infinity` bare (Python's json, allow_nan=True), e.g. for
 * `headers={'x-score': float('nan')}` or `time_limit=float('inf')`: JSON.parse refuses them. Only
 * then is the envelope parsed again with Python's rules, so valid JSON keeps the fast path.
 */
function parseTolerantly(text: string): unknown {
  try {
    return parsePythonJsonTolerant(text);
  } catch (err) {
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', `envelope is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

function decodeBody(body: string, bodyEncoding: unknown): Buffer {
  if (bodyEncoding === undefined || bodyEncoding === null || String(bodyEncoding).toLowerCase() === 'utf-8') {
    return Buffer.from(body, 'utf8');
  }
  if (String(bodyEncoding).toLowerCase() !== 'base64') {
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', `unknown body_encoding ${JSON.stringify(bodyEncoding)}`);
  }
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body)) {
    throw new ProtocolError('CELERIAC_PROTOCOL_BAD_ENVELOPE', 'body is not valid base64');
  }
  return Buffer.from(body, 'base64');
}

/**
 * Builds the Redis list element for a message, in kombu's key order, base64 body, Python JSON
 * spacing. `properties` must already hold `delivery_tag`, `delivery_info` and `body_encoding`
 * (the transport adds them).
 */
export function encodeRedisEnvelope(message: KombuMessage): string {
  const rest = encodePythonJson({
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties: message.properties,
  });
  // base64 text never needs JSON escaping: splice it in rather than scanning it twice (it is most of the bytes).
  return `{"body": "${message.body.toString('base64')}", ${rest.slice(1)}`;
}
