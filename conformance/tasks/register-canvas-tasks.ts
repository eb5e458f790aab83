// The tasks of Celery's t/integration/tasks.py that build a canvas inside the task, replace
// themselves (`self.replace`) or add to their chord (`self.add_to_chord`), written against
// celeriac's canvas builders and TaskContext.replace/addToChord. Each says which Python task it ports.
import Redis from 'ioredis';
import { chain, chord, group, GroupResult, type AsyncResult, type Celery, type ResultNode, type TaskContext } from '../../src/index';
import type { CanvasSignature } from '../../src/app/canvas-signature';
import type { SignatureWire } from '../../src/protocol/task-message';
import { T } from './register-basic-tasks';
import type { SuiteRedisEnv } from './register-redis-tasks';

/** `AsyncResult.as_tuple()`: what Python's backend stores for a task that returns a result object (`prepare_value`). */
function asTuple(r: ResultNode | AsyncResult): unknown {
  return [[r.id, r.parent ? asTuple(r.parent) : null], r instanceof GroupResult ? r.results.map(asTuple) : null];
}

/** `sig.link(cb)` on a chain: the callback in the chain's own options (applying hands it to the last task). */
function withLink(c: CanvasSignature, key: 'link' | 'link_error', callback: CanvasSignature): CanvasSignature {
  const options = (c.wire.options ?? {}) as Record<string, unknown>;
  options[key] = [...(Array.isArray(options[key]) ? options[key] as SignatureWire[] : []), callback.wire];
  c.wire.options = options;
  return c;
}

/** Registers the canvas-building, replacing and chord-extending tasks on `app`. */
export function registerCanvasTasks(app: Celery, env: SuiteRedisEnv): void {
  let client: Redis | undefined;
  const redis = (): Redis => (client ??= new Redis({ host: env.REDIS_HOST ?? 'localhost', port: Number(env.REDIS_PORT ?? 6379), maxRetriesPerRequest: 3 }));
  const s = (name: string, ...args: unknown[]): CanvasSignature => app.signature(`${T}${name}`, args);
  const si = (name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): CanvasSignature =>
    app.signature(`${T}${name}`, args, kwargs).immutable();

  // chain_add / chord_add: apply a chain / chord and return None.
  app.task(`${T}chain_add`, async (x: unknown, y: unknown) => {
    await chain(s('add', x, x), s('add', y)).applyAsync();
    return null;
  }, { params: ['x', 'y'] });
  app.task(`${T}chord_add`, async (x: unknown, y: unknown) => {
    await chord([s('add', x, x)], s('add', y)).applyAsync();
    return null;
  }, { params: ['x', 'y'] });
  // build_chain_inside_task: returns the chain's AsyncResult, which Python stores as its tuple.
  app.task(`${T}build_chain_inside_task`, async () => {
    const result = await chain(s('add', 1, 1), s('add', 2), group(s('add', 3), s('add', 4)), s('add', 5)).applyAsync();
    return asTuple(result);
  });

  app.task(`${T}add_replaced`, (task: TaskContext, x: unknown, y: unknown) => task.replace(s('add', x, y)), { bind: true, params: ['x', 'y'] });
  app.task(`${T}fail_replaced`, (task: TaskContext, args: unknown[]) => task.replace(si('fail', args)), { bind: true, varArgs: true });
  // replace_with_chain(*args, link_msg=None): chain(identity.s(*args), identity.s()) linked to redis_echo.
  const echoLink = (linkMsg: unknown): CanvasSignature => (linkMsg === undefined || linkMsg === null ? s('redis_echo') : si('redis_echo', [linkMsg]));
  app.task(`${T}replace_with_chain`, (task: TaskContext, args: unknown[], kw: { link_msg?: unknown }) =>
    task.replace(withLink(chain(s('identity', ...args), s('identity')), 'link', echoLink(kw.link_msg))), { bind: true, varArgs: true, kwOnly: ['link_msg'] });
  app.task(`${T}replace_with_chain_which_raises`, (task: TaskContext, args: unknown[], kw: { link_msg?: unknown }) =>
    task.replace(withLink(chain(s('identity', ...args), s('raise_error')), 'link_error', echoLink(kw.link_msg))), { bind: true, varArgs: true, kwOnly: ['link_msg'] });
  // replace_with_empty_chain: `chain()` has no tasks; its dict is what Python would serialise.
  app.task(`${T}replace_with_empty_chain`, (task: TaskContext, _args: unknown[]) =>
    task.replace({ task: 'celery.chain', args: [], kwargs: { tasks: [] }, options: {}, subtask_type: 'chain', immutable: false }), { bind: true, varArgs: true });
  app.task(`${T}add_to_all`, (task: TaskContext, nums: unknown[], val: unknown) => task.replace(group(...nums.map((n) => s('add', n, val)))),
    { bind: true, params: ['nums', 'val'] });
  app.task(`${T}add_to_all_to_chord`, async (task: TaskContext, nums: unknown[], val: unknown) => {
    for (const n of nums) await task.addToChord(s('add', n, val));
    return 0;
  }, { bind: true, params: ['nums', 'val'] });
  app.task(`${T}add_chord_to_chord`, async (task: TaskContext, nums: unknown[], val: unknown) => {
    await task.addToChord(chord(nums.map((n) => s('add', n, val)), s('tsum')));
    return 0;
  }, { bind: true, params: ['nums', 'val'] });

  // second_order_replace1/2: replace themselves with a chain ending in themselves (state=True), logging in/out.
  app.task(`${T}second_order_replace1`, async (task: TaskContext, state = false) => {
    if (state) {
      await redis().rpush('redis-echo', 'Out A');
      return null;
    }
    await redis().rpush('redis-echo', 'In A');
    return task.replace(chain(app.signature(`${T}second_order_replace2`), si('second_order_replace1', [], { state: true })));
  }, { bind: true, params: ['state'] });
  app.task(`${T}second_order_replace2`, async (task: TaskContext, state = false) => {
    if (state) {
      await redis().rpush('redis-echo', 'Out B');
      return null;
    }
    await redis().rpush('redis-echo', 'In B');
    return task.replace(chain(s('redis_echo', 'In/Out C'), si('second_order_replace2', [], { state: true })));
  }, { bind: true, params: ['state'] });

  // replace_with_stamped_task(replace_with=None): its on_replace stamps the replacement with StampOnReplace.
  app.task(`${T}replace_with_stamped_task`, (task: TaskContext, replaceWith: SignatureWire | null = null) => {
    const wire = structuredClone(replaceWith ?? app.signature(`${T}replaced_with_me`).wire);
    const options = (wire.options ?? {}) as Record<string, unknown>;
    const stamped = Array.isArray(options.stamped_headers) ? options.stamped_headers as string[] : [];
    wire.options = { ...options, StampOnReplace: 'This is the replaced task', stamped_headers: [...new Set([...stamped, 'StampOnReplace'])] };
    return task.replace(wire);
  }, { bind: true, params: ['replace_with'] });
}
