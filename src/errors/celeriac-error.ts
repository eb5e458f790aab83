/**
 * Root of every error celeriac throws on purpose. `code` is stable and machine-readable
 * (`CELERIAC_PROTOCOL_BAD_BODY`, ...); `cause` carries the underlying error when there is one.
 */
export class CeleriacError extends Error {
  /** Stable machine-readable code, e.g. `CELERIAC_CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes or structure on the wire that we cannot accept (malformed message, disallowed content). */
export class ProtocolError extends CeleriacError {}

/** Broker I/O failed or a broker URL/option is unusable. */
export class TransportError extends CeleriacError {}

/** Result store I/O failed. */
export class BackendError extends CeleriacError {}

/** Configuration is invalid; `problems` lists every problem found, one line each. */
export class ConfigError extends CeleriacError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CELERIAC_CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** A task was called wrongly (bad arguments, unknown kwarg) or is not registered. */
export class TaskError extends CeleriacError {}
