/** One HTTP POST as the webhook task sends it. */
export interface HttpPostRequest {
  url: string;
  headers: Record<string, string>;
  /** The exact bytes that were signed. */
  body: string;
  /** Whole-request timeout, connect to last byte. */
  timeoutMs: number;
  /** Aborts the request (the task's soft time limit or revoke). */
  signal?: AbortSignal;
}

/** What came back. Every status is returned, none thrown: the caller decides what a 500 means. */
export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text (a receiver's error message, for logs and errors). */
  body: string;
}

/**
 * The HTTP the webhook family needs: a POST that follows no redirects and never retries by itself
 * (retries are Celery task retries, so they survive a worker restart). Network failures and
 * timeouts are thrown as WebhookNetworkError.
 */
export interface HttpClient {
  post(request: HttpPostRequest): Promise<HttpResponse>;
}
