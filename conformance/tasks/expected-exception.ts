// The exception classes of Celery's t/integration/tasks.py, as errors that Python re-raises as the
// suite's own classes: encodeException honours pythonType/pythonModule/pythonArgs, so the stored
// FAILURE names `t.integration.tasks.ExpectedException` and `pytest.raises(ExpectedException)` matches.

/** Module the suite's exception classes live in. */
const TASKS_MODULE = 't.integration.tasks';

/** The suite's sentinel exception: Python compares two of them by their args. */
export class ExpectedException extends Error {
  /** Python class name. */
  readonly pythonType = 'ExpectedException';
  /** Python module holding the class. */
  readonly pythonModule = TASKS_MODULE;
  /** Python `exc.args`. */
  readonly pythonArgs: unknown[];

  constructor(...args: unknown[]) {
    super(args.map(String).join(', '));
    this.name = 'ExpectedException';
    this.pythonArgs = args;
  }
}

/**
 * The suite's exception that does not survive a pickle round trip (its constructor needs `bar`):
 * stored with `args = (foo,)` exactly as Python's `super().__init__(foo)` leaves them.
 */
export class UnpickleableException extends Error {
  /** Python class name. */
  readonly pythonType = 'UnpickleableException';
  /** Python module holding the class. */
  readonly pythonModule = TASKS_MODULE;
  /** Python `exc.args`. */
  readonly pythonArgs: unknown[];
  /** The second constructor argument, kept as Python keeps `self.bar`. */
  readonly bar: unknown;

  constructor(foo: unknown, bar: unknown) {
    if (bar === null || bar === undefined) throw new TypeError('bar must be provided');
    super(String(foo));
    this.name = 'UnpickleableException';
    this.pythonArgs = [foo];
    this.bar = bar;
  }
}
