// got is ESM-only: Node 20.19+ can require() it, jest's module loader cannot. Keep this file out of
// unit tests (index.ts does not re-export it) and load got only when a client is built.
import type { Got } from 'got/dist/source/index.js';
import { WebhookNetworkError } from './webhook-errors';
import type { HttpClient, HttpPostRequest, HttpResponse } from './http-client';

/** Options of the got-backed client. */
export interface GotHttpClientOptions {
  /** Largest response body kept, in bytes (the rest is dropped); default 64 KiB. */
  maxResponseBytes?: number;
}

/**
 * An HttpClient over got 14: no got retries, no redirects, no throwing on HTTP errors (the webhook
 * task decides), the whole-request timeout from each request. Errors without a response become
 * WebhookNetworkError with got's code (ETIMEDOUT, ECONNREFUSED, ECONNRESET, ...).
 */
export function createGotHttpClient(options: GotHttpClientOptions = {}): HttpClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { got } = require('got') as { got: Got };
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const client = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, followRedirect: false, responseType: 'text', decompress: true });
  return {
    async post(request: HttpPostRequest): Promise<HttpResponse> {
      try {
        const res = await client.post(request.url, {
          body: request.body, headers: request.headers, timeout: { request: request.timeoutMs },
          ...(request.signal ? { signal: request.signal } : {}),
        });
        const body = typeof res.body === 'string' ? res.body : String(res.body);
        return { status: res.statusCode, headers: res.headers, body: body.length > maxBytes ? body.slice(0, maxBytes) : body };
      } catch (thrown) {
        if (request.signal?.aborted) throw thrown;
        const code = (thrown as { code?: unknown } | null)?.code;
        const message = (thrown as { message?: unknown } | null)?.message;
        throw new WebhookNetworkError(`webhook request failed: ${typeof message === 'string' ? message : String(thrown)}`,
          typeof code === 'string' ? code : null, { cause: thrown });
      }
    },
  };
}
