import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret (an SMTP password) that cannot end up in a log by accident: JSON.stringify (what pino
 * does), String() and util.inspect all show `[redacted]`; only `reveal()` gives the value.
 */
export class RedactedSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the one place that needs it (the SMTP AUTH command). */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
