// Type-level tests of typed tasks (issue 11 item 2): `tsc --noEmit` (npm test) compiles this file.
// Lines under `@ts-expect-error` must NOT compile: if one starts compiling, tsc fails on the directive.
// Nothing here runs; the functions only exist to be type-checked.
import { z } from 'zod';
import { Celery, chain, chord, group, signature, type AsyncResult, type GroupResult, type Task, type TaskContext } from '../../src/index';

/** True only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<A, B>(proof: Equal<A, B>): void {
  void proof;
}

const app = new Celery('typed');

export async function plainTasks(): Promise<void> {
  const add = app.task('tasks.add', (x: number, y: number) => x + y);
  expectType<typeof add, Task<[x: number, y: number], number, Record<string, never>>>(true);
  const r = await add.delay(2, 3);
  expectType<typeof r, AsyncResult<number>>(true);
  const sum: number = await r.get({ timeout: 10 });
  const maybe = await r.get({ propagate: false });
  expectType<typeof maybe, number | Error>(true);
  void sum;
  // @ts-expect-error a string where a number goes
  await add.delay(2, '3');
  // @ts-expect-error too few arguments
  await add.delay(2);
  // @ts-expect-error too many arguments
  await add.delay(2, 3, 4);
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await r.get();
  void wrong;
  // @ts-expect-error no params: no keyword arguments
  await add.applyAsync([], { x: 1 });
  await add.applyAsync([1, 2], {}, { countdown: 5, queue: 'math' });
  // @ts-expect-error without params every argument is positional: [1] leaves y missing
  await add.applyAsync([1]);

  const later = app.task('tasks.later', async (id: string): Promise<{ id: string; at: Date }> => ({ id, at: new Date() }));
  const got = await (await later.delay('a')).get();
  expectType<typeof got, { id: string; at: Date }>(true);
}

export async function keywordArguments(): Promise<void> {
  const welcome = app.task('emails.welcome', async (userId: number, email: string, fullName?: string) => ({ sent: true, userId, email, fullName }),
    { params: ['user_id', 'email', 'full_name'], queue: 'emails' });
  await welcome.applyAsync([], { user_id: 1, email: 'a@b.c' });
  await welcome.applyAsync([1], { email: 'a@b.c', full_name: 'Ada' });
  await welcome.applyAsync([1, 'a@b.c', 'Ada']);
  // @ts-expect-error user_id is a number
  await welcome.applyAsync([], { user_id: '1' });
  // @ts-expect-error no parameter is called "mail"
  await welcome.applyAsync([], { mail: 'a@b.c' });
  // @ts-expect-error the first positional argument is a number
  await welcome.applyAsync(['1']);
  await welcome.delay(1, 'a@b.c');
  const sent = await (await welcome.delay(1, 'a@b.c', 'Ada')).get();
  expectType<typeof sent.sent, boolean>(true);
}

export async function boundTasks(): Promise<void> {
  const report = app.task('tasks.report', async (task: TaskContext, studentId: string) => {
    await task.updateState('PROGRESS', { current: 1 });
    return { id: task.request.id, studentId };
  }, { bind: true, params: ['student_id'] });
  expectType<Parameters<typeof report.delay>, [studentId: string]>(true);
  await report.applyAsync([], { student_id: 's1' });
  // @ts-expect-error the context is not an argument callers pass
  await report.delay({} as TaskContext, 's1');
  // @ts-expect-error studentId is a string
  await report.delay(7);
  const out = await (await report.delay('s1')).get();
  expectType<typeof out, { id: string; studentId: string }>(true);

  // The context's type comes from the overload even when the handler does not annotate it.
  app.task('tasks.ctx', (task, n: number) => task.request.retries + n, { bind: true });
  // @ts-expect-error a bound handler's first parameter is the TaskContext
  app.task('tasks.badctx', (task: string, n: number) => task + n, { bind: true });
}

export async function schemaNarrowsTheHandler(): Promise<void> {
  const scale = app.task('tasks.scale', (values, factor) => values.map((v) => v * factor),
    { schema: z.tuple([z.array(z.number()), z.number().positive()]), params: ['values', 'factor'] });
  expectType<Parameters<typeof scale.delay>, [number[], number]>(true);
  const scaled = await (await scale.delay([1, 2], 3)).get();
  expectType<typeof scaled, number[]>(true);
  await scale.applyAsync([], { values: [1], factor: 2 });
  // @ts-expect-error the schema says numbers
  await scale.delay(['1'], 3);
  // @ts-expect-error the handler's parameters are the schema's: values is number[], it has no toUpperCase
  app.task('tasks.bad', (values) => values.toUpperCase(), { schema: z.tuple([z.array(z.number())]) });

  const boundScale = app.task('tasks.bscale', (task, n) => ({ id: task.request.id, doubled: n * 2 }),
    { bind: true, schema: z.tuple([z.number()]) });
  expectType<Parameters<typeof boundScale.delay>, [number]>(true);
}

export async function byName(): Promise<void> {
  const any = await app.sendTask('py.only', [1]);
  expectType<Awaited<ReturnType<typeof any.get>>, unknown>(true);
  const typed = await app.sendTask<{ ok: boolean }>('py.only', [1]);
  const v = await typed.get();
  expectType<typeof v, { ok: boolean }>(true);
  const handle = await app.AsyncResult<number>('some-id');
  const n = await handle.get();
  expectType<typeof n, number>(true);
}

export async function pythonSignatureTasks(): Promise<void> {
  // def retry_once(self, *args, expires=None, max_retries=1, countdown=0.1)
  const retryOnce = app.task('t.retry_once', (task: TaskContext, args: unknown[], { expires, countdown = 0.1 }: { expires?: number; countdown?: number }) => {
    if (task.request.retries) return task.request.retries;
    return task.retry({ countdown, ...(expires !== undefined ? { expires } : {}), maxRetries: 1 });
  }, { bind: true, varArgs: true, kwOnly: ['expires', 'max_retries', 'countdown'] });
  expectType<typeof retryOnce, Task<unknown[], number, Record<string, unknown>>>(true);
  await retryOnce.applyAsync([], { expires: 60 });
  await retryOnce.delay(1, 'two');
  const anyKw = app.task('t.any_kwargs', (x: number, kw: Record<string, unknown>) => ({ x, kw }), { params: ['x'], varKwargs: true });
  await anyKw.applyAsync([1], { whatever: true });
  // without a Python-style option the typed overloads still apply
  const strict = app.task('t.strict', (x: number) => x, { params: ['x'] });
  // @ts-expect-error a typed task still refuses a wrong argument
  await strict.delay('1');
}

export async function canvasFromTypedTasks(): Promise<void> {
  const add = app.task('t.canvas_add', (x: number, y: number) => x + y);
  const tsum = app.task('t.canvas_tsum', (values: number[]) => values.length);
  add.s(1);
  add.si(1, 2);
  signature(add, [1, 2]);
  // @ts-expect-error a string where a number goes
  signature(add, ['1']);
  // @ts-expect-error too many arguments
  add.s(1, 2, 3);
  // @ts-expect-error an immutable signature needs every argument
  add.si(1);
  const last = await chain(add.s(1, 2), add.s(3), tsum.si([1])).applyAsync();
  const n = await last.get();
  expectType<typeof n, number>(true);
  const g = await group(add.s(1, 1), add.s(2, 2)).applyAsync();
  expectType<typeof g, GroupResult>(true);
  const body = await chord([add.s(1, 1)], tsum.s()).applyAsync();
  const total = await body.get();
  expectType<typeof total, number>(true);
}
