import { builtinTask } from './builtin-tasks';
import type { Logger } from 'pino';
import { TaskError } from '../errors/celeriac-error';
import { AppProducer } from '../producer/app-producer';
import type { AsyncResult } from '../producer/async-result';
import type { Producer, SendTaskOptions } from '../producer/producer';
import type { SettingsInput } from '../config/settings-schema';
import { CanvasError } from '../canvas/canvas-error';
import type { ApplyCall } from '../canvas/canvas-result';
import type { SignatureWire } from '../protocol/task-message';
import { CanvasSignature, type CanvasHandle } from './canvas-signature';
import { buildSignatureWire } from '../canvas/signature';
import { toCeleryOptions } from '../producer/producer';
import { parseRate } from './parse-rate';
import { Signals, type SignalName, type SignalReceiver } from './signals';
import type { TaskContext } from './task-context';
import type { ApplyArgs, ArgumentSchema, KwargsOf, SchemaArgs, TaskDefinition, TaskHandler, TaskOptions } from './task-definition';

/** Options of `new Celery(name, options)`, as Python's `Celery(main, broker=..., backend=...)`. */
export interface CeleryOptions {
  /** Broker URL; `CELERY_BROKER_URL` and `--broker` take precedence. */
  broker?: string;
  /** Result backend URL; `CELERY_RESULT_BACKEND` and `--result-backend` take precedence. */
  backend?: string;
  /** Any other setting, under Celery's name (`task_acks_late`, `worker_prefetch_multiplier`, ...). */
  conf?: SettingsInput;
  /** Logger for `sendTask`/`delay` connections (default: warnings only). */
  logger?: Logger;
}

/**
 * A registered task, callable from Node as Python's task objects: `add.delay(2, 3)`. `Args` are the
 * handler's positional parameters (after the context, for bound tasks), `Result` what it resolves
 * to, `Kwargs` the keyword arguments its `params` name. All inferred by `app.task(...)`.
 */
export interface Task<Args extends unknown[] = unknown[], Result = unknown, Kwargs extends Record<string, unknown> = Record<string, unknown>>
  extends TaskDefinition {
  /** Sends the task with positional arguments (`task.delay(*args)`). */
  delay(...args: Args): Promise<AsyncResult<Result>>;
  /**
   * Sends the task with args, kwargs and options (`task.apply_async(args, kwargs, **options)`): the
   * positional arguments given first, keyword arguments (by `params` name) for the rest.
   */
  applyAsync(args?: ApplyArgs<Args, Kwargs>, kwargs?: Kwargs, options?: SendTaskOptions): Promise<AsyncResult<Result>>;
  /** A signature of this task (`task.signature(args, kwargs, **options)`), sent by this task's app; leading args may be left for a chain to fill. */
  signature(args?: Partial<Args>, kwargs?: Partial<Kwargs>, options?: SendTaskOptions): CanvasSignature<AsyncResult<Result>>;
  /** `task.s(*args)`: a partial signature (a chain prepends the previous result). */
  s(...args: Partial<Args>): CanvasSignature<AsyncResult<Result>>;
  /** `task.si(*args)`: an immutable signature (a chain's previous result is not prepended). */
  si(...args: Args): CanvasSignature<AsyncResult<Result>>;
}

/** Options of a task registered without `bind`; `params` is kept as a tuple of names (no `as const` needed). */
type PlainOptions<P extends readonly string[]> = TaskOptions & { bind?: false; params?: P };
/** Options that give a task a Python-style signature (`*args`, keyword-only names, `**kwargs`). */
type PythonSignature = { varArgs: true } | { kwOnly: readonly string[] } | { varKwargs: true };
/** Options of a bound task. */
type BoundOptions<P extends readonly string[]> = TaskOptions & { bind: true; params?: P };

/**
 * The application: a named registry of tasks plus settings, mirroring Python's `Celery` object.
 * An app module's default export is one of these; `celeriac worker -A app.js` runs its tasks.
 */
export class Celery {
  /** App name (`main` in Python). */
  readonly main: string;
  /** Settings under Celery's names; merged below env and flags by the CLI. */
  readonly conf: SettingsInput;
  /** Signal receivers (`app.on('task_prerun', ...)`), run by the worker, the producer and beat. */
  readonly signals = new Signals();
  private readonly registry = new Map<string, TaskDefinition>();
  private readonly producer: AppProducer;

  constructor(main: string, options: CeleryOptions = {}) {
    this.main = main;
    this.conf = {
      ...options.conf,
      ...(options.broker !== undefined ? { broker_url: options.broker } : {}),
      ...(options.backend !== undefined ? { result_backend: options.backend } : {}),
    };
    this.producer = new AppProducer(this.conf, options.logger, process.env, this.signals);
  }

  /**
   * Sends a task by name, as Python's `app.send_task`: a Python or celeriac worker runs it. The broker
   * and result connections open on first use (settings from `CELERY_*` env over `conf`); `close()` ends them.
   * With `task_always_eager` the registered handler runs in process instead and the result is an
   * EagerResult (nothing is sent or opened); a name registered in no task rejects with NotRegisteredError.
   */
  async sendTask<Result = unknown>(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SendTaskOptions = {}): Promise<AsyncResult<Result>> {
    const settings = this.producer.settings();
    if (settings.task_always_eager) {
      // Loaded on first eager send: an app module loaded by pool threads does not pay for eager mode.
      const { applyEager, eagerPolicyOf, NotRegisteredError } = await import('./apply-eager');
      const def = this.registry.get(name);
      if (!def) throw new NotRegisteredError(name, this.taskNames());
      return applyEager<Result>(def, args, kwargs, options, eagerPolicyOf(settings, this.producer.log));
    }
    // The id is all an AsyncResult holds; Result only types what `get()` will read back.
    return this.producer.sendTask(name, args, kwargs, options) as Promise<AsyncResult<Result>>;
  }

  /**
   * Applies a canvas in its wire form (what `CanvasSignature.applyAsync` calls): published through
   * this app's producer, from inside a task with that task as parent. Not available with
   * `task_always_eager` (CanvasError CELERIAC_CANVAS_EAGER).
   */
  applyCanvas(wire: SignatureWire, call: ApplyCall = {}): Promise<CanvasHandle> {
    if (this.producer.settings().task_always_eager) {
      return Promise.reject(new CanvasError('CELERIAC_CANVAS_EAGER', 'a canvas cannot be applied eagerly (task_always_eager) yet'));
    }
    return this.producer.applyCanvas(wire, call);
  }

  /** A signature of a task by name (Python's `app.signature(name, args, kwargs, **options)`), sent by this app. */
  signature<R = unknown>(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SendTaskOptions = {}): CanvasSignature<AsyncResult<R>> {
    return new CanvasSignature(buildSignatureWire(name, { args, kwargs, options: toCeleryOptions(options) }), this);
  }

  /** A handle on a task's result by id (Python's `app.AsyncResult(id)`). */
  AsyncResult<Result = unknown>(taskId: string): Promise<AsyncResult<Result>> {
    return this.producer.asyncResult(taskId) as Promise<AsyncResult<Result>>;
  }

  /**
   * Connects a receiver to one of Celery's signals (`task_prerun`, `task_failure`, `worker_ready`,
   * `before_task_publish`, ...), typed by name; sync or async, a throwing receiver is logged and
   * ignored. Returns the function that disconnects it.
   */
  on<N extends SignalName>(name: N, receiver: SignalReceiver<N>): () => void {
    return this.signals.connect(name, receiver);
  }

  /**
   * Sends (and reads results) through this producer instead of the connections the settings name,
   * e.g. `createProducer` over a transport you manage, or the in-memory one `celeriac/testing` installs;
   * null goes back to the settings' connections.
   */
  useProducer(producer: Producer | null): void {
    this.producer.use(producer);
  }

  /** Closes the connections `sendTask`/`delay` opened. Idempotent. */
  close(): Promise<void> {
    return this.producer.close();
  }

  /**
   * Registers a bound task with Python-style `*args`, keyword-only or `**kwargs` parameters (`varArgs`,
   * `kwOnly`, `varKwargs`): the handler gets its params, then the extra positionals as one list
   * (varArgs), then one object of keyword arguments; callers may pass any arguments. Annotate the
   * handler's parameters (`never[]` here only lets any handler match).
   */
  task<R>(name: string, handler: (task: TaskContext, ...args: never[]) => R, options: BoundOptions<readonly string[]> & PythonSignature): Task<unknown[], Awaited<R>, Record<string, unknown>>;
  /** Registers a task with Python-style `*args`, keyword-only or `**kwargs` parameters (see the bound form). */
  task<R>(name: string, handler: (...args: never[]) => R, options: PlainOptions<readonly string[]> & PythonSignature): Task<unknown[], Awaited<R>, Record<string, unknown>>;
  /** Registers a bound task whose arguments a schema parses: the handler's parameter types come from the schema. */
  task<S extends ArgumentSchema, R, const P extends readonly string[] = readonly []>(name: string,
    handler: (task: TaskContext, ...args: SchemaArgs<S>) => R, options: BoundOptions<P> & { schema: S }): Task<SchemaArgs<S>, Awaited<R>, KwargsOf<P, SchemaArgs<S>>>;
  /** Registers a bound task: the handler receives the TaskContext (Celery's `self`) first. */
  task<A extends unknown[], R, const P extends readonly string[] = readonly []>(name: string,
    handler: (task: TaskContext, ...args: A) => R, options: BoundOptions<P>): Task<A, Awaited<R>, KwargsOf<P, A>>;
  /** Registers a task whose arguments a schema (`z.tuple([...])`) parses: the handler's parameter types come from the schema. */
  task<S extends ArgumentSchema, R, const P extends readonly string[] = readonly []>(name: string,
    handler: (...args: SchemaArgs<S>) => R, options: PlainOptions<P> & { schema: S }): Task<SchemaArgs<S>, Awaited<R>, KwargsOf<P, SchemaArgs<S>>>;
  /** Registers a task under the exact name Python producers use (`'app.tasks.email_tasks.send_welcome_email'`). */
  task<A extends unknown[], R, const P extends readonly string[] = readonly []>(name: string,
    handler: (...args: A) => R, options?: PlainOptions<P>): Task<A, Awaited<R>, KwargsOf<P, A>>;
  task(name: string, handler: TaskHandler, options: TaskOptions = {}): Task {
    if (typeof name !== 'string' || name.length === 0) throw new TaskError('CELERIAC_TASK_BAD_NAME', 'task name must be a non-empty string');
    if (typeof handler !== 'function') throw new TaskError('CELERIAC_TASK_BAD_HANDLER', `task ${name}: handler must be a function`);
    if (this.registry.has(name)) throw new TaskError('CELERIAC_TASK_DUPLICATE', `task ${name} is registered twice`);
    if (options.params) {
      const dup = options.params.find((p, i) => options.params?.indexOf(p) !== i);
      if (dup !== undefined) throw new TaskError('CELERIAC_TASK_BAD_PARAMS', `task ${name}: parameter "${dup}" is listed twice in params`);
    }
    if (options.rateLimit !== undefined) parseRate(options.rateLimit);
    for (const key of ['timeLimit', 'softTimeLimit'] as const) {
      const v = options[key];
      if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new TaskError('CELERIAC_TASK_BAD_OPTION', `task ${name}: ${key} must be a positive number of seconds, got ${String(v)}`);
    }
    const def: Task = {
      name, handler, options: { ...options },
      delay: (...args) => this.sendTask(name, args, {}, options.queue ? { queue: options.queue } : {}),
      applyAsync: (args = [], kwargs = {}, sendOptions = {}) =>
        this.sendTask(name, args, kwargs, { ...(options.queue ? { queue: options.queue } : {}), ...sendOptions }),
      signature: (args = [], kwargs = {}, sendOptions = {}) =>
        this.signature(name, [...args], kwargs, { ...(options.queue ? { queue: options.queue } : {}), ...sendOptions }),
      s: (...args) => def.signature(args),
      si: (...args) => new CanvasSignature(buildSignatureWire(name, { args, immutable: true, options: options.queue ? { queue: options.queue } : {} }), this),
    };
    this.registry.set(name, def);
    return def;
  }

  /** The registered task of that name, else the built-in one (`celery.map`, `celery.starmap`), if any. */
  getTask(name: string): TaskDefinition | undefined {
    return this.registry.get(name) ?? builtinTask(name, (n) => this.registry.get(n));
  }

  /** Names of all registered tasks, sorted (as `inspect registered` lists them). */
  taskNames(): string[] {
    return [...this.registry.keys()].sort();
  }
}
