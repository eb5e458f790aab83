import { buildChainWire, buildChordWire, buildGroupWire, pipeWire } from '../canvas/build-canvas-wire';
import { CanvasError } from '../canvas/canvas-error';
import type { ApplyCall } from '../canvas/canvas-result';
import { buildSignatureWire } from '../canvas/signature';
import type { AsyncResult } from '../producer/async-result';
import type { GroupResult } from '../producer/group-result';
import { toCeleryOptions, type SendTaskOptions } from '../producer/producer';
import type { SignatureWire } from '../protocol/task-message';
import { cloneWireValue } from '../protocol/clone-wire-value';

/** What a canvas result is: a task's (a chain's last, a chord's body) or a group's. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CanvasHandle = AsyncResult<any> | GroupResult;

/** Where a canvas is applied: the app (`Celery`), which publishes it through its producer. */
export interface CanvasApp {
  /** Applies the canvas's wire form and resolves to its result tree. */
  applyCanvas(wire: SignatureWire, call: ApplyCall): Promise<CanvasHandle>;
}

/** Options of `sig.applyAsync()`: Python's `apply_async(args, kwargs, **options)`, plus the app to send with. */
export interface CanvasApplyOptions extends SendTaskOptions {
  /** Positional arguments prepended to the signature's own (partial args), unless it is immutable. */
  args?: unknown[];
  /** Keyword arguments merged over the signature's own. */
  kwargs?: Record<string, unknown>;
  /** The app that publishes it; default: the app of the first typed task in the canvas. */
  app?: CanvasApp;
}

/**
 * A signature, chain, group or chord (`celery.canvas.Signature`) built in TypeScript: `wire` is
 * the dict Python's would serialise to, applied by the same planner that applies a Python
 * producer's canvas on the worker. `H` is what `applyAsync()` resolves to.
 */
export class CanvasSignature<H extends CanvasHandle = CanvasHandle> {
  /** The signature dict, as Python's (`task`, `args`, `kwargs`, `options`, `subtask_type`, `immutable`). */
  readonly wire: SignatureWire;
  /** The app it is sent with unless `applyAsync({ app })` names one. */
  readonly app: CanvasApp | null;
  /** Type-only: the result handle `applyAsync()` resolves to. */
  declare readonly resultType?: H;

  constructor(wire: SignatureWire, app: CanvasApp | null) {
    this.wire = wire;
    this.app = app;
  }

  /**
   * Publishes it, as `sig.apply_async(...)`: a task's message; a chain's first task carrying the
   * rest in `chain`; a group's members with its `group_id`; a chord's header with the body as
   * `chord` (header size stored first). Resolves to the last task's AsyncResult (parents linked),
   * the GroupResult, or the chord body's AsyncResult. Throws CanvasError without an app.
   */
  async applyAsync(options: CanvasApplyOptions = {}): Promise<H> {
    const { args, kwargs, app, ...send } = options;
    const target = app ?? this.app;
    if (!target) throw new CanvasError('CELERIAC_CANVAS_NO_APP', `no app to send ${String(this.wire.task)} with: build it from a typed task, or pass applyAsync({ app })`);
    return target.applyCanvas(this.wire, { args: args ?? [], kwargs: kwargs ?? {}, options: toCeleryOptions(send) }) as Promise<H>;
  }

  /** `sig.delay(*args)`: applies it with these partial args. */
  delay(...args: unknown[]): Promise<H> {
    return this.applyAsync({ args });
  }

  /** A copy whose args the previous step's result is not prepended to (`sig.set(immutable=True)`, as `task.si`). */
  immutable(): CanvasSignature<H> {
    return new CanvasSignature<H>({ ...cloneWireValue(this.wire), immutable: true }, this.app);
  }

  /** `self | other`: a chain (a group piped into a task is a chord), as Python's `|`. */
  pipe<O extends CanvasHandle>(other: CanvasSignature<O>): CanvasSignature<O> {
    return new CanvasSignature<O>(pipeWire(this.wire, other.wire), this.app ?? other.app);
  }
}

/** A task object that can make its own signature (every `app.task(...)` result). */
export interface SignatureSource<A extends unknown[], R> {
  /** `task.signature(args, kwargs, options)` (Python's `task.s`/`task.signature`). */
  signature(args?: Partial<A>, kwargs?: Record<string, unknown>, options?: SendTaskOptions): CanvasSignature<AsyncResult<R>>;
}

/**
 * `signature(name_or_task, args, kwargs, options)`: a task signature. From a typed task the args
 * are checked against its parameters (leading ones may be left out for a chain to fill) and the
 * task's app sends it; by name it needs `applyAsync({ app })` unless a chain/group/chord holding a
 * typed task gives one.
 */
export function signature<A extends unknown[], R>(task: SignatureSource<A, R>, args?: Partial<A>, kwargs?: Record<string, unknown>, options?: SendTaskOptions): CanvasSignature<AsyncResult<R>>;
export function signature<R = unknown>(name: string, args?: unknown[], kwargs?: Record<string, unknown>, options?: SendTaskOptions): CanvasSignature<AsyncResult<R>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function signature(task: string | SignatureSource<any, any>, args: object = [], kwargs: Record<string, unknown> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: SendTaskOptions = {}): CanvasSignature<AsyncResult<any>> {
  if (typeof task !== 'string') return task.signature(args as unknown[], kwargs, options);
  return new CanvasSignature(buildSignatureWire(task, { args: [...(args as unknown[])], kwargs, options: toCeleryOptions(options) }), null);
}

/** The handle of a chain: its last step's. */
type LastHandle<S extends readonly CanvasSignature[]> = S extends readonly [...CanvasSignature[], CanvasSignature<infer H>] ? H : CanvasHandle;

/** `chain(*sigs)`: each step's result is prepended to the next one's args (a group then a task is a chord). */
export function chain<S extends CanvasSignature[]>(...sigs: [...S]): CanvasSignature<LastHandle<S>> {
  return new CanvasSignature(buildChainWire(sigs.map((s) => s.wire)), appOf(sigs));
}

/** `group(*sigs)`: the members run in parallel; applying resolves to a GroupResult. */
export function group(...sigs: CanvasSignature[]): CanvasSignature<GroupResult> {
  return new CanvasSignature(buildGroupWire(sigs.map((s) => s.wire)), appOf(sigs));
}

/** `chord(header, body)`: the body runs with the list of the header's results once all have finished. */
export function chord<H extends CanvasHandle>(header: CanvasSignature[] | CanvasSignature<GroupResult>, body: CanvasSignature<H>): CanvasSignature<H> {
  const members = Array.isArray(header) ? header : [header];
  const wire = buildChordWire(Array.isArray(header) ? header.map((s) => s.wire) : header.wire, body.wire);
  return new CanvasSignature(wire, appOf([...members, body]));
}

function appOf(sigs: readonly CanvasSignature[]): CanvasApp | null {
  return sigs.find((s) => s.app)?.app ?? null;
}
