import { ProtocolError } from '../errors/celeriac-error';

/**
 * Deepest nesting the JSON encoders write and the tolerant parser reads: a value at depth 1001
 * (the document root is depth 0) is refused. Python's json module raises RecursionError at about
 * the same depth (`json.dumps` of 1,000 nested lists fails, 990 succeed), so nothing deeper could
 * be read by a Python client anyway.
 */
export const MAX_JSON_DEPTH = 1000;

/** Why a value could not be encoded. */
export type JsonEncodeProblem = 'unserializable' | 'too-deep' | 'too-large';

const CODES: Readonly<Record<JsonEncodeProblem, string>> = {
  unserializable: 'CELERIAC_PROTOCOL_ENCODE',
  'too-deep': 'CELERIAC_PROTOCOL_ENCODE_TOO_DEEP',
  'too-large': 'CELERIAC_PROTOCOL_ENCODE_TOO_LARGE',
};

/**
 * A value JSON cannot carry: a function, symbol, Map, cycle or invalid Date (`CELERIAC_PROTOCOL_ENCODE`),
 * nesting beyond MAX_JSON_DEPTH (`CELERIAC_PROTOCOL_ENCODE_TOO_DEEP`), or text beyond the size
 * limit or V8's string limit (`CELERIAC_PROTOCOL_ENCODE_TOO_LARGE`). Python reports all of these as
 * `kombu.exceptions.EncodeError`.
 */
export class JsonEncodeError extends ProtocolError {
  /** Which of the three problems it is. */
  readonly problem: JsonEncodeProblem;

  constructor(problem: JsonEncodeProblem, message: string, options?: { cause?: unknown }) {
    super(CODES[problem], message, options);
    this.problem = problem;
  }
}

/** True for any encode failure (all three codes share the `CELERIAC_PROTOCOL_ENCODE` prefix). */
export function isJsonEncodeError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError && err.code.startsWith('CELERIAC_PROTOCOL_ENCODE');
}

/**
 * Turns what V8/Node throw when a string or the stack runs out (RangeError "Invalid string length" or
 * "Maximum call stack size exceeded", ERR_STRING_TOO_LONG) into a JsonEncodeError; anything else is
 * returned unchanged. A guard behind the encoders' own depth and size checks.
 */
export function asJsonEncodeError(thrown: unknown): unknown {
  if (thrown instanceof JsonEncodeError) return thrown;
  if (thrown instanceof RangeError && /call stack/i.test(thrown.message)) {
    return new JsonEncodeError('too-deep', `value is nested too deeply to encode: ${thrown.message}`, { cause: thrown });
  }
  const code = (thrown as { code?: unknown } | null)?.code;
  if ((thrown instanceof RangeError && /string length|invalid array length|size/i.test(thrown.message)) || code === 'ERR_STRING_TOO_LONG') {
    return new JsonEncodeError('too-large', `value is too large to encode: ${(thrown as Error).message}`, { cause: thrown });
  }
  return thrown;
}
