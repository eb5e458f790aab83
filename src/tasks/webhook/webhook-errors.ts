import { CeleriacError } from '../../errors/celeriac-error';

/**
 * The request never got an HTTP answer: refused, reset, DNS failure, timed out. HttpClient
 * implementations throw it; the webhook task retries it with backoff.
 */
export class WebhookNetworkError extends CeleriacError {
  /** The underlying error code (`ECONNREFUSED`, `ETIMEDOUT`, ...), when known. */
  readonly errorCode: string | null;

  constructor(message: string, errorCode: string | null, options?: { cause?: unknown }) {
    super('CELERIAC_WEBHOOK_NETWORK', message, options);
    this.errorCode = errorCode;
  }
}

/**
 * A delivery attempt that may work later (network error, 5xx, 429). It is the `exc` of the task's
 * retry, so it is what FAILURE holds once the retries ran out.
 */
export class WebhookDeliveryFailed extends CeleriacError {
  /** HTTP status, or null for a network error. */
  readonly status: number | null;

  constructor(message: string, status: number | null, options?: { cause?: unknown }) {
    super('CELERIAC_WEBHOOK_RETRYABLE', message, options);
    this.status = status;
  }
}

/** The receiver answered with a status that retrying will not change (a 4xx other than 429, a 3xx). Not retried. */
export class WebhookRejected extends CeleriacError {
  readonly status: number;

  constructor(message: string, status: number) {
    super('CELERIAC_WEBHOOK_REJECTED', message);
    this.status = status;
  }
}

/** No signing secret is configured for the endpoint; the webhook is not sent unsigned. */
export class WebhookSecretMissing extends CeleriacError {
  constructor(endpoint: string) {
    super('CELERIAC_WEBHOOK_NO_SECRET', `no webhook secret configured for ${endpoint}`);
  }
}
