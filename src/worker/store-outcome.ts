import { isJsonEncodeError, JsonEncodeError } from '../protocol/json-encode-error';
import type { ExceptionInfo } from '../protocol/result-meta';

/** How writing one task state ended; the executor settles the message by it. */
export type StoreOutcome =
  /** Written, or skipped because a SUCCESS is already stored (`written` false): a state is stored either way. */
  | { readonly kind: 'stored'; readonly written: boolean }
  /** Results are disabled (`result_backend = disabled`): there is nothing to store. */
  | { readonly kind: 'disabled' }
  /** The state could not be encoded (or the server refused it for good): FAILURE with kombu's EncodeError was stored instead. */
  | { readonly kind: 'replaced'; readonly exception: ExceptionInfo; readonly cause: Error }
  /** Nothing is stored: the backend stayed unreachable through the retries, was closed, or the worker is stopping. */
  | { readonly kind: 'unstored'; readonly error: Error };

/** True when the outcome leaves a state in the backend (or none is wanted): the message may be acked. */
export function isStored(outcome: StoreOutcome): boolean {
  return outcome.kind !== 'unstored';
}

/** Retries of a store that failed for a reason that may clear up (Celery's `result_backend_*` retry settings). */
export interface StoreRetryPolicy {
  /** Retries after the first attempt (`result_backend_max_retries`). */
  maxRetries: number;
  /** Backoff factor in ms (`result_backend_base_sleep_between_retries_ms`). */
  baseDelayMs: number;
  /** Cap of one wait in ms (`result_backend_max_sleep_between_retries_ms`). */
  maxDelayMs: number;
}

/** celeriac's defaults: about 3 s of quick retries on top of the Redis client's own ~10 s of reconnecting per attempt. */
export const DEFAULT_STORE_RETRY: StoreRetryPolicy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 10_000 };

/**
 * Celery's `get_exponential_backoff_interval(base, retries, max, full_jitter=True)`: a random wait
 * in [0, min(max, base * 2^retries)], `retries` counting from 1.
 */
export function storeRetryDelayMs(policy: StoreRetryPolicy, retry: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * (cap + 1));
}

/** Why a store failed: the value (encode), the server for good (refused), gone for good (closed), or maybe not for long (transient). */
export type StoreFailure = 'encode' | 'refused' | 'closed' | 'transient';

/** Sorts a store error by what retrying it could achieve. */
export function classifyStoreFailure(err: Error): StoreFailure {
  // TypeError: JSON.stringify-style refusals (cycles, BigInt) from a backend that encodes on its own.
  if (isJsonEncodeError(err) || err instanceof TypeError) return 'encode';
  const code = (err as { code?: unknown }).code;
  if (code === 'CELERIAC_BACKEND_REFUSED') return 'refused';
  if (code === 'CELERIAC_BACKEND_CLOSED') return 'closed';
  return 'transient';
}

/**
 * The FAILURE Python stores when a state cannot be serialized: `kombu.exceptions.EncodeError` (the
 * serializer raised, trace.py's `on_error` stored it), with a message naming what is wrong.
 */
export function encodeErrorInfo(err: Error, failure: 'encode' | 'refused', maxResultBytes: number | null): ExceptionInfo {
  let why: string;
  if (failure === 'refused') {
    why = `the result backend refused to store the result (${err.message}); is result_max_bytes above the server's proto-max-bulk-len?`;
  } else if (err instanceof JsonEncodeError && err.problem === 'too-large') {
    why = maxResultBytes === null ? `result is too large to encode: ${err.message}`
      : `result is too large to store (result_max_bytes = ${maxResultBytes}): ${err.message}`;
  } else if (err instanceof JsonEncodeError && err.problem === 'too-deep') {
    why = `result is nested too deeply to encode as JSON: ${err.message}`;
  } else {
    why = `result is not JSON-serializable: ${err.message}`;
  }
  return { excType: 'EncodeError', excMessage: [why], excModule: 'kombu.exceptions' };
}
