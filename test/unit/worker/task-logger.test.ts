import { Writable } from 'node:stream';
import pino from 'pino';
import { createTaskLogger } from '../../../src/worker/task-logger';

function capture(level = 'info'): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { log: pino({ level, redact: ['password'] }, sink), lines };
}

const strip = (l: Record<string, unknown>): Record<string, unknown> => { const { time: _t, pid: _p, hostname: _h, ...rest } = l; return rest; };

describe('createTaskLogger', () => {
  it('writes the same fields as parent.child(bindings) for objects, errors, strings and no message', () => {
    const a = capture();
    const b = capture();
    const bindings = { taskId: 't1', taskName: 'x.y', retries: 2 };
    const lazy = createTaskLogger(a.log, bindings);
    const child = b.log.child(bindings);
    for (const l of [lazy, child]) {
      l.info({ runtimeMs: 3 }, 'task succeeded');
      l.error(new TypeError('boom'), 'task failed');
      l.warn('plain %s', 'text');
      l.info({ password: 'hunter2' }, 'redacted');
    }
    expect(a.lines.map(strip)).toEqual(b.lines.map(strip));
    expect(JSON.stringify(a.lines)).not.toContain('hunter2');
  });

  it('writes nothing below the level, and creates a real child only when something else is asked for', () => {
    const { log, lines } = capture('warn');
    const spy = jest.spyOn(log, 'child');
    const lazy = createTaskLogger(log, { taskId: 't2' });
    lazy.info({ a: 1 }, 'hidden');
    lazy.debug('hidden too');
    expect(lazy.isLevelEnabled('info')).toBe(false);
    expect(spy).not.toHaveBeenCalled();
    const grandchild = lazy.child({ step: 1 });
    // One child with the task's bindings (pino children inherit the spied method, so the grandchild counts too).
    expect(spy.mock.calls.map((c) => c[0])).toEqual([{ taskId: 't2' }, { step: 1 }]);
    grandchild.warn('from user code');
    lazy.warn('after');
    expect(lines.map((l) => [l.taskId, l.step, l.msg])).toEqual([['t2', 1, 'from user code'], ['t2', undefined, 'after']]);
    expect(lazy.bindings()).toEqual({ taskId: 't2' });
  });

  it('hands the parent exactly what { ...bindings, ...first } builds: undefined values, key order, an own __proto__ key', () => {
    const { log } = capture('debug');
    const seen: unknown[] = [];
    const record = (o: unknown): unknown => JSON.stringify(o === null || typeof o !== 'object' ? o
      : { keys: Reflect.ownKeys(o).map(String), proto: Object.getPrototypeOf(o) === Object.prototype, values: Object.values(o) });
    jest.spyOn(log, 'info').mockImplementation(((o: unknown) => { seen.push(record(o)); }) as never);
    const bindings = { taskId: 't3', taskName: 'x.y', retries: 0, requestId: undefined };
    const lazy = createTaskLogger(log, bindings);
    const objects: object[] = [
      { runtimeMs: 1.5 }, { retries: 4, extra: undefined }, { 2: 'b', 1: 'a' },
      JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object, new TypeError('boom'),
    ];
    for (const o of objects) lazy.info(o, 'msg');
    expect(seen).toEqual(objects.map((o) => record(o instanceof Error ? { ...bindings, err: o } : { ...bindings, ...o })));
  });
});
