import { z } from 'zod';
import { bindArguments, TaskArgumentError } from '../../../src/app/bind-arguments';
import { Celery } from '../../../src/app/celery';

const app = new Celery('t');
const welcome = app.task('emails.welcome', (userId: string, email: string, fullName = 'friend') => `${userId}${email}${fullName}`,
  { params: ['user_id', 'email', 'full_name'] });
const add = app.task('tapp.add', (x: number, y: number) => x + y);
const bound = app.task('tapp.bound', (_t, a: number) => a, { bind: true, params: ['a'] });
const typed = app.task('tapp.typed', (x: number, y: number) => x + y, { params: ['x', 'y'], schema: z.tuple([z.number(), z.number()]) });

// def retry_once(self, *args, expires=None, max_retries=1, countdown=0.1)
const retryOnce = app.task('t.retry_once', (_t: unknown, rest: unknown[], kw: Record<string, unknown>) => [rest, kw],
  { bind: true, varArgs: true, kwOnly: ['expires', 'max_retries', 'countdown'] });
// def tag(name, *args, **kwargs)
const tag = app.task('t.tag', (name: string, rest: unknown[], kw: Record<string, unknown>) => [name, rest, kw],
  { params: ['name'], varArgs: true, varKwargs: true });
// def only_kw(x, *, flag=False)
const onlyKw = app.task('t.only_kw', (x: number, kw: { flag?: boolean }) => [x, kw], { params: ['x'], kwOnly: ['flag'] });

describe('bindArguments', () => {
  it('passes *args as one list and keyword-only / **kwargs as one trailing object', () => {
    expect(bindArguments(retryOnce, [], { expires: 60 })).toEqual([[], { expires: 60 }]);
    expect(bindArguments(retryOnce, [1, 2], {})).toEqual([[1, 2], {}]);
    expect(bindArguments(tag, ['a', 1, 2], { x: 1, y: [2] })).toEqual(['a', [1, 2], { x: 1, y: [2] }]);
    expect(bindArguments(tag, [], { name: 'n', other: true })).toEqual(['n', [], { other: true }]);
    expect(bindArguments(onlyKw, [3], { flag: true })).toEqual([3, { flag: true }]);
  });

  it.each([
    [retryOnce, [], { nope: 1 }, "t.retry_once() got an unexpected keyword argument 'nope'"],
    [onlyKw, [1, 2], {}, 't.only_kw() takes 1 positional argument but 2 were given'],
    [onlyKw, [], { flag: true }, "t.only_kw() missing 1 required positional argument: 'x'"],
    [tag, ['a'], { name: 'b' }, "t.tag() got multiple values for argument 'name'"],
  ])('refuses a call Python refuses: %#', (def, args, kwargs, message) => {
    expect(() => bindArguments(def, args, kwargs)).toThrow(new TaskArgumentError('TypeError', message));
  });

  it('passes positional arguments in order', () => {
    expect(bindArguments(add, [2, 3], {})).toEqual([2, 3]);
  });

  it('maps Python keyword arguments by params names, mixing with positionals', () => {
    expect(bindArguments(welcome, ['u1'], { full_name: 'Ada', email: 'a@x' })).toEqual(['u1', 'a@x', 'Ada']);
  });

  it('leaves an optional parameter undefined so the JS default applies', () => {
    expect(bindArguments(welcome, [], { user_id: 'u', email: 'e' })).toEqual(['u', 'e']);
  });

  it.each([
    [welcome, [], { user_id: 'u', email: 'e', nick: 'n' }, "emails.welcome() got an unexpected keyword argument 'nick'"],
    [welcome, ['u'], { user_id: 'v', email: 'e' }, "emails.welcome() got multiple values for argument 'user_id'"],
    [welcome, ['u', 'e', 'f', 'g'], {}, 'emails.welcome() takes 3 positional arguments but 4 were given'],
    [welcome, [], { email: 'e' }, "emails.welcome() missing 1 required positional argument: 'user_id'"],
    [add, [1], {}, "tapp.add() missing 1 required positional argument: '#2'"],
    [add, [1, 2], { z: 1 }, 'tapp.add() got keyword arguments (z) but declares no params; add `params: [...]` to its options'],
  ] as const)('refuses a call that does not fit, as Python would (%#)', (def, args, kwargs, message) => {
    let caught: unknown;
    try {
      bindArguments(def, [...args], { ...kwargs });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TaskArgumentError);
    expect((caught as TaskArgumentError).pythonType).toBe('TypeError');
    expect((caught as Error).message).toBe(message);
  });

  it('does not count the bound context as a required argument', () => {
    expect(bindArguments(bound, [], { a: 1 })).toEqual([1]);
  });

  it('validates with the schema and names the bad position', () => {
    expect(bindArguments(typed, [1, 2], {})).toEqual([1, 2]);
    try {
      bindArguments(typed, [1, 'two'], {});
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as TaskArgumentError).pythonType).toBe('ValueError');
      expect((err as Error).message).toMatch(/^invalid arguments for tapp.typed: \[1\]: .*number/);
    }
  });
});

describe('Celery.task', () => {
  it('refuses duplicate names and duplicate params', () => {
    const a = new Celery('x');
    a.task('t.one', () => 1);
    expect(() => a.task('t.one', () => 2)).toThrow('task t.one is registered twice');
    expect(() => a.task('t.two', () => 2, { params: ['a', 'a'] })).toThrow('parameter "a" is listed twice');
    expect(a.taskNames()).toEqual(['t.one']);
  });

  it('takes broker and backend from the constructor as Celery settings', () => {
    const a = new Celery('lms', { broker: 'redis://b/1', backend: 'redis://b/2', conf: { task_acks_late: true } });
    expect(a.conf).toEqual({ broker_url: 'redis://b/1', result_backend: 'redis://b/2', task_acks_late: true });
  });
});
