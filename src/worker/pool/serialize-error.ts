import { coerceError } from '../../errors/coerce-error';
import { encodeException } from '../../protocol/encode-exception';
import type { ExceptionInfo } from '../../protocol/result-meta';

/** An error as it crosses a thread boundary: plain data, structured-clone safe. */
export interface SerializedError {
  /** `err.name` as thrown (the class name when the class kept `'Error'`). */
  name: string;
  message: string;
  stack: string | null;
  /** Node/celeriac `code` when it is a string (errno, `CELERIAC_*`). */
  code: string | null;
  /** The Python exception this error maps to, computed where the error was thrown (class identity is lost in transit). */
  python: ExceptionInfo;
  /** `err.cause`, serialized the same way (depth-limited). */
  cause: SerializedError | null;
}

/** An error rebuilt from a SerializedError: encodes to the same Python exception as the original. */
export type DeserializedError = Error & { code?: string; pythonType: string; pythonModule: string; pythonArgs: unknown[] };

const MAX_CAUSE_DEPTH = 5;

/**
 * Turns anything thrown into plain data. The Python mapping (`exc_type`, `exc_module`, args) is
 * computed here, with the original class at hand, so the other side stores the same exception.
 */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  const err = coerceError(thrown);
  const ctorName = err.constructor?.name;
  const name = err.name === 'Error' && ctorName && ctorName !== 'Error' ? ctorName : String(err.name);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause;
  return {
    name,
    message: String(err.message),
    stack: typeof err.stack === 'string' ? err.stack : null,
    code: typeof code === 'string' ? code : null,
    python: encodeException(err),
    cause: cause !== undefined && cause !== null && depth < MAX_CAUSE_DEPTH ? serializeError(cause, depth + 1) : null,
  };
}

/** Rebuilds an Error whose name, message, stack, code, cause and Python form match the serialized one. */
export function deserializeError(data: SerializedError): DeserializedError {
  const err = new Error(data.message, data.cause ? { cause: deserializeError(data.cause) } : undefined) as DeserializedError;
  err.name = data.name;
  if (data.stack !== null) err.stack = data.stack;
  if (data.code !== null) err.code = data.code;
  err.pythonType = data.python.excType;
  err.pythonModule = data.python.excModule;
  err.pythonArgs = data.python.excMessage;
  return err;
}
